"""The pure parts of the client's logic: poll rhythm and deadlines."""

from __future__ import annotations

import itertools

import pytest

from runpod_api.serverless import PollPolicy
from runpod_api.serverless._plan import Deadline


def test_poll_policy_grows_each_pause_up_to_its_maximum() -> None:
    delays = PollPolicy(initial_delay=1, max_delay=5, multiplier=2).delays()
    assert list(itertools.islice(delays, 5)) == [1, 2, 4, 5, 5]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"initial_delay": -1}, "initial_delay <= max_delay"),
        ({"initial_delay": 5, "max_delay": 1}, "initial_delay <= max_delay"),
        ({"multiplier": 0.5}, "multiplier must be at least 1"),
    ],
)
def test_poll_policy_rejects_settings_that_make_no_sense(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PollPolicy(**kwargs)


def test_deadline_counts_down_on_its_clock() -> None:
    now = [100.0]
    deadline = Deadline.after(5, clock=lambda: now[0])
    assert deadline is not None
    now[0] = 103.0
    assert deadline.left() == 2.0
    assert Deadline.after(None) is None
