"""The port table: slots per job, blocks per host."""

import pytest

from srtctl._exceptions import TopologyError
from srtctl.plan.ports import JOB_SLOTS, PortAllocator, PortKind, job_port_slot, port_for


@pytest.mark.parametrize(
    ("job_id", "slot"), [(None, 0), ("JOBID", 0), ("31", 1), (60, 0), ("12345", 12345 % JOB_SLOTS)]
)
def test_job_port_slot(job_id: object, slot: int) -> None:
    assert job_port_slot(job_id) == slot  # type: ignore[arg-type]


def test_port_for_steps_by_spacing_within_a_slot_block() -> None:
    assert port_for(PortKind.HTTP, 0, 0) == 10000
    assert port_for(PortKind.HTTP, 1, 0) == 10032
    assert port_for(PortKind.DIST_INIT, 0, 1) == 20016


def test_allocator_counts_per_host_and_kind() -> None:
    ports = PortAllocator(slot=2)
    assert [ports.take("a", PortKind.HTTP, owner="x") for _ in range(2)] == [10064, 10065]
    assert ports.take("b", PortKind.HTTP, owner="x") == 10064
    assert ports.take("a", PortKind.NCCL, owner="x") == 12064


def test_allocator_refuses_to_overflow_a_hosts_block() -> None:
    ports = PortAllocator(slot=0)
    for _ in range(4):
        ports.take("a", PortKind.FRONTEND_HTTP, owner="f")
    with pytest.raises(TopologyError, match="frontend_9: the host at 'a' would need more than 4 frontend_http"):
        ports.take("a", PortKind.FRONTEND_HTTP, owner="frontend_9")
