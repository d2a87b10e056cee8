"""The KV handover between a prefill engine and a decode engine, reduced to its timing.

In a real disaggregated deployment the router sends each request to a prefill and a decode engine at
once, with the same `bootstrap_room`; the decode engine connects to the prefill engine's bootstrap port
and receives the KV cache when prefill is done. Here the prefill engine keeps a board of rooms, and its
bootstrap listener answers `GET /rooms/<room>` when that room's prefill has finished (a long poll). A decode
engine pointed at a wrong bootstrap port fails its requests, as the real one would.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from enum import StrEnum

from ._http import Request, Responder

__all__ = ("HandoverError", "RoomBoard", "RoomState", "await_handover")

# How long a finished room is remembered, for a decode request that arrives late.
ROOM_TTL_S = 60.0
# How long a waiter gives the prefill engine to learn of a room (both are asked at the same moment).
APPEAR_TIMEOUT_S = 10.0
# The longest prefill a decode engine waits for.
FINISH_TIMEOUT_S = 600.0
CONNECT_TIMEOUT_S = 5.0


class RoomState(StrEnum):
    """Where a room's prefill stands."""

    PENDING = "pending"
    DONE = "done"
    ABORTED = "aborted"
    UNKNOWN = "unknown"
    TIMEOUT = "timeout"


class HandoverError(Exception):
    """The decode engine could not receive a room's KV cache from its prefill partner."""


@dataclass(slots=True)
class _Room:
    opened: asyncio.Event = field(default_factory=asyncio.Event)
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    state: RoomState = RoomState.PENDING


class RoomBoard:
    """The prefill side: which rooms are being prefilled and which are done."""

    def __init__(self) -> None:
        self._rooms: dict[int, _Room] = {}

    def _get(self, room: int) -> _Room:
        entry = self._rooms.get(room)
        if entry is None:
            entry = self._rooms[room] = _Room()
        return entry

    def open(self, room: int) -> None:
        """Record that prefill of `room` has started."""
        self._get(room).opened.set()

    def close(self, room: int, *, ok: bool) -> None:
        """Record that prefill of `room` finished (`ok`) or was abandoned."""
        entry = self._get(room)
        entry.state = RoomState.DONE if ok else RoomState.ABORTED
        entry.opened.set()
        entry.finished.set()
        asyncio.get_running_loop().call_later(ROOM_TTL_S, self._rooms.pop, room, None)

    async def wait(
        self, room: int, *, appear_within: float = APPEAR_TIMEOUT_S, finish_within: float = FINISH_TIMEOUT_S
    ) -> RoomState:
        """Wait until `room` is done or aborted; UNKNOWN if it never opens, TIMEOUT if it never finishes."""
        entry = self._get(room)
        try:
            await asyncio.wait_for(entry.opened.wait(), appear_within)
        except TimeoutError:
            if not entry.opened.is_set():
                self._rooms.pop(room, None)
            return RoomState.UNKNOWN
        try:
            await asyncio.wait_for(entry.finished.wait(), finish_within)
        except TimeoutError:
            return RoomState.TIMEOUT
        return entry.state

    async def handle(self, request: Request, responder: Responder) -> None:
        """Serve the bootstrap listener: `GET /health` and `GET /rooms/<room>`."""
        if request.path == "/health":
            await responder.send(200, b"", "text/plain")
            return
        prefix, _, room_text = request.path.rpartition("/")
        if request.method != "GET" or prefix != "/rooms" or not room_text.isdigit():
            await responder.send(404, b'{"error":{"message":"not a bootstrap route","code":404}}')
            return
        room = int(room_text)
        state = await self.wait(room)
        status = {RoomState.DONE: 200, RoomState.UNKNOWN: 404, RoomState.TIMEOUT: 504}.get(state, 409)
        await responder.send(status, json.dumps({"room": room, "state": state.value}).encode())


async def await_handover(host: str, port: int, room: int, *, finish_within: float = FINISH_TIMEOUT_S) -> None:
    """Wait, as a decode engine, until the prefill engine at `host:port` has finished `room`.

    Raises:
        HandoverError: the bootstrap listener cannot be reached, or reports the room unknown or aborted.
    """
    where = f"prefill bootstrap {host}:{port}"
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        raise HandoverError(f"cannot reach the {where} for room {room}: {exc or type(exc).__name__}") from None
    try:
        writer.write(b"GET /rooms/%d HTTP/1.1\r\nhost: %s\r\nconnection: close\r\n\r\n" % (room, host.encode()))
        try:
            reply = await asyncio.wait_for(reader.read(), finish_within + CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError) as exc:
            raise HandoverError(f"no answer from the {where} for room {room}: {exc or type(exc).__name__}") from None
    finally:
        writer.close()
    status_line, _, rest = reply.partition(b"\r\n")
    parts = status_line.split(b" ", 2)
    if len(parts) < 2 or not parts[1].isdigit():
        raise HandoverError(f"the {where} sent a malformed reply for room {room}: {reply[:200]!r}")
    if int(parts[1]) != 200:
        body = rest.partition(b"\r\n\r\n")[2].decode(errors="replace")
        raise HandoverError(f"the {where} refused room {room} (HTTP {int(parts[1])}): {body}")
