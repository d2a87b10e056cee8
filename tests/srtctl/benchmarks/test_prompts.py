"""Synthetic prompts and the bodies that carry them."""

import json

from srtctl.benchmarks._prompts import request_bodies, synthetic_requests


def test_prompts_have_exactly_the_asked_lengths_by_default() -> None:
    requests = synthetic_requests(5, input_tokens=37, output_tokens=9)
    assert [len(r.prompt.split()) for r in requests] == [37] * 5
    assert {r.output_tokens for r in requests} == {9}


def test_prompts_differ_so_no_prefix_cache_helps() -> None:
    prompts = [r.prompt for r in synthetic_requests(20, input_tokens=50, output_tokens=1)]
    assert len({p.split()[0:8].__repr__() for p in prompts}) == 20


def test_range_ratio_draws_lengths_between_ratio_and_full() -> None:
    requests = synthetic_requests(200, input_tokens=100, output_tokens=10, range_ratio=0.5, seed=3)
    lengths = {r.prompt_tokens for r in requests}
    assert min(lengths) >= 50 and max(lengths) <= 100
    assert len(lengths) > 10
    assert all(r.prompt_tokens == len(r.prompt.split()) for r in requests)


def test_same_seed_gives_the_same_prompts() -> None:
    first = synthetic_requests(3, input_tokens=10, output_tokens=2, seed=7)
    assert synthetic_requests(3, input_tokens=10, output_tokens=2, seed=7) == first
    assert synthetic_requests(3, input_tokens=10, output_tokens=2, seed=8) != first


def test_completion_body_streams_with_usage_and_ignores_eos() -> None:
    requests = synthetic_requests(1, input_tokens=3, output_tokens=4)
    (body,) = request_bodies(requests, api="completions", model="llama", extra_body={"top_p": 0.9})
    data = json.loads(body)
    assert data["model"] == "llama"
    assert data["prompt"] == requests[0].prompt
    assert data["max_tokens"] == 4
    assert data["stream"] is True
    assert data["stream_options"] == {"include_usage": True}
    assert data["ignore_eos"] is True
    assert data["top_p"] == 0.9


def test_chat_body_carries_the_prompt_as_a_user_message() -> None:
    requests = synthetic_requests(1, input_tokens=3, output_tokens=4)
    (body,) = request_bodies(requests, api="chat", model="llama", extra_body={})
    assert json.loads(body)["messages"] == [{"role": "user", "content": requests[0].prompt}]
