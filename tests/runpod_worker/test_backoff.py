import random

import pytest

from runpod_worker import RetryPolicy


def test_delays_grow_exponentially_up_to_the_cap_without_jitter() -> None:
    policy = RetryPolicy(initial_delay=0.2, max_delay=1.0, jitter=0)
    assert [policy.delay(n) for n in range(6)] == [0.0, 0.2, 0.4, 0.8, 1.0, 1.0]


def test_jitter_keeps_each_delay_within_its_band() -> None:
    policy = RetryPolicy(initial_delay=1.0, max_delay=8.0, jitter=0.5)
    rng = random.Random(3)
    delays = [policy.delay(3, rng) for _ in range(200)]
    assert all(2.0 <= d <= 4.0 for d in delays)
    assert len({round(d, 6) for d in delays}) > 100


def test_a_long_outage_stays_at_the_cap() -> None:
    assert RetryPolicy(max_delay=5.0, jitter=0).delay(10_000) == 5.0


def test_budget_bounds_retries() -> None:
    policy = RetryPolicy(budget=10.0)
    assert policy.allows_retry(elapsed=8.0, next_delay=2.0)
    assert not policy.allows_retry(elapsed=8.5, next_delay=2.0)
    assert RetryPolicy(budget=None).allows_retry(elapsed=1e9, next_delay=5.0)


@pytest.mark.parametrize(
    "kwargs",
    [{"initial_delay": -1}, {"multiplier": 0.5}, {"jitter": 1.5}, {"budget": -1}],
)
def test_nonsense_policies_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="RetryPolicy"):
        RetryPolicy(**kwargs)
