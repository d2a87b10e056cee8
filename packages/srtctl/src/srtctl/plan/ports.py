"""The one port table: every port srtctl hands out, by kind, shifted per job so jobs sharing a node differ.

Each kind owns a range. Within it, a job takes the block of its *slot* (its numeric job id modulo
:data:`JOB_SLOTS`), and each host hands out the block's ports in order. Hosts are keyed by address, so two
SLURM nodes that are really one machine (a local test cluster) never get the same port. Every range sits
below 32768: outside Linux's ephemeral range, and within Dynamo's 16-bit system port.

| kind | range | per host per job | spacing |
|---|---|---|---|
| frontend_http | 8000-8119 | 4 | 1 |
| frontend_metrics | 8200-8319 | 4 | 1 |
| etcd_client / etcd_peer / nats_client | 8400- / 8500- / 8600- | 2 | 1 |
| http (workers) | 10000-10959 | 32 | 1 |
| bootstrap | 11000-11959 | 32 | 1 |
| nccl | 12000-12959 | 32 | 1 |
| system (Dynamo) | 13000-13959 | 32 | 1 |
| dist_init | 20000-23839 | 8 | 16 (engines also use the ports just after it) |
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from .._exceptions import TopologyError

__all__ = ("JOB_SLOTS", "PORT_TABLE", "PortAllocator", "PortKind", "PortRange", "job_port_slot", "port_for")


class PortKind(StrEnum):
    """What a port is for."""

    FRONTEND_HTTP = "frontend_http"
    FRONTEND_METRICS = "frontend_metrics"
    ETCD_CLIENT = "etcd_client"
    ETCD_PEER = "etcd_peer"
    NATS_CLIENT = "nats_client"
    HTTP = "http"
    BOOTSTRAP = "bootstrap"
    NCCL = "nccl"
    SYSTEM = "system"
    DIST_INIT = "dist_init"


@dataclass(frozen=True, slots=True)
class PortRange:
    """A kind's range: ``base + (slot * per_host + index) * spacing``."""

    base: int
    per_host: int
    """How many ports of this kind one host can hand out to one job."""
    spacing: int = 1

    def span(self, slots: int) -> range:
        """Every port the range can hand out over ``slots`` job slots."""
        return range(self.base, self.base + slots * self.per_host * self.spacing, self.spacing)


JOB_SLOTS = 30
"""Jobs whose ids differ by a multiple of this share port numbers (and so must not share a node)."""

PORT_TABLE: Mapping[PortKind, PortRange] = MappingProxyType(
    {
        PortKind.FRONTEND_HTTP: PortRange(8000, 4),
        PortKind.FRONTEND_METRICS: PortRange(8200, 4),
        PortKind.ETCD_CLIENT: PortRange(8400, 2),
        PortKind.ETCD_PEER: PortRange(8500, 2),
        PortKind.NATS_CLIENT: PortRange(8600, 2),
        PortKind.HTTP: PortRange(10000, 32),
        PortKind.BOOTSTRAP: PortRange(11000, 32),
        PortKind.NCCL: PortRange(12000, 32),
        PortKind.SYSTEM: PortRange(13000, 32),
        PortKind.DIST_INIT: PortRange(20000, 8, spacing=16),
    }
)


def job_port_slot(job_id: str | int | None) -> int:
    """The slot of a job: its numeric id modulo :data:`JOB_SLOTS`; 0 for a preview, which has no id yet."""
    text = str(job_id) if job_id is not None else ""
    return int(text) % JOB_SLOTS if text.isdigit() else 0


def port_for(kind: PortKind, slot: int, index: int) -> int:
    """The ``index``-th port of ``kind`` on one host for a job in ``slot``."""
    entry = PORT_TABLE[kind]
    return entry.base + (slot * entry.per_host + index) * entry.spacing


class PortAllocator:
    """Hands out ports per host address and kind, in order, for one job."""

    def __init__(self, slot: int) -> None:
        self.slot = slot
        self._taken: Counter[tuple[str, PortKind]] = Counter()

    def take(self, address: str, kind: PortKind, *, owner: str) -> int:
        """The next free port of ``kind`` on the host at ``address``.

        Raises:
            TopologyError: the host has no port of that kind left for this job.
        """
        index = self._taken[(address, kind)]
        limit = PORT_TABLE[kind].per_host
        if index >= limit:
            raise TopologyError(
                f"{owner}: the host at {address!r} would need more than {limit} {kind.value} ports for one job; "
                "put fewer processes on one host"
            )
        self._taken[(address, kind)] += 1
        return port_for(kind, self.slot, index)
