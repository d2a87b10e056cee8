"""The mock engine's HTTP surface, served in-process and spoken to with httpx2."""

import json
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from functools import partial

import anyio
import httpx2
import pytest

from srtctl.mock_engine import MockEngine, Role

EngineFactory = Callable[..., AbstractAsyncContextManager[MockEngine]]

pytestmark = pytest.mark.anyio


async def sse_events(response: httpx2.Response) -> list[str]:
    """The `data:` payloads of an SSE response, in order."""
    return [line.removeprefix("data: ") async for line in response.aiter_lines() if line.startswith("data: ")]


async def test_health_answers_200_with_an_empty_body(client: httpx2.AsyncClient) -> None:
    response = await client.get("/health")
    assert (response.status_code, response.content) == (200, b"")


async def test_models_lists_the_served_model_name(client: httpx2.AsyncClient) -> None:
    data = (await client.get("/v1/models")).json()
    assert [m["id"] for m in data["data"]] == ["mock"]
    assert data["object"] == "list"


async def test_server_info_reports_the_labels_the_router_keeps(engine_factory: EngineFactory) -> None:
    async with (
        engine_factory(role=Role.PREFILL, served_model_name="m", bootstrap_port=0, tp_size=4) as engine,
        httpx2.AsyncClient(base_url=engine.url) as client,
    ):
        info = (await client.get("/server_info")).json()
        legacy = (await client.get("/get_server_info")).json()
    assert info == legacy
    assert info["served_model_name"] == "m"
    assert info["model_path"] == "m"
    assert info["tp_size"] == 4
    assert info["disaggregation_mode"] == "prefill"
    assert info["disaggregation_bootstrap_port"] == engine.bootstrap_port


async def test_aggregated_engine_reports_disaggregation_mode_null(client: httpx2.AsyncClient) -> None:
    assert (await client.get("/server_info")).json()["disaggregation_mode"] == "null"


async def test_model_info_names_the_architecture(client: httpx2.AsyncClient) -> None:
    info = (await client.get("/model_info")).json()
    assert info["model_type"] == "llama"
    assert info["architectures"] == ["LlamaForCausalLM"]
    assert (await client.get("/get_model_info")).json() == info


async def test_get_load_counts_requests_in_flight(engine_factory: EngineFactory) -> None:
    async with (
        engine_factory(decode_ms_per_token=50) as engine,
        httpx2.AsyncClient(base_url=engine.url) as client,
    ):
        body = {"model": "m", "prompt": "one two three", "max_tokens": 4}
        async with anyio.create_task_group() as tg:
            tg.start_soon(partial(client.post, "/v1/completions", json=body))
            await anyio.sleep(0.05)
            during = (await client.get("/get_load")).json()
        after = (await client.get("/get_load")).json()
    assert during == [{"dp_rank": 0, "num_reqs": 1, "num_waiting_reqs": 0, "num_tokens": 7}]
    assert after[0]["num_reqs"] == 0


async def test_metrics_count_requests_and_tokens_in_prometheus_text(client: httpx2.AsyncClient) -> None:
    await client.post("/v1/completions", json={"model": "m", "prompt": "a b c", "max_tokens": 5})
    text = (await client.get("/metrics")).text
    assert 'sglang:num_requests_total{model_name="mock"} 1' in text
    assert 'sglang:prompt_tokens_total{model_name="mock"} 3' in text
    assert 'sglang:generation_tokens_total{model_name="mock"} 5' in text
    assert "# TYPE sglang:num_running_reqs gauge" in text


@pytest.mark.parametrize("path", ["/flush_cache", "/start_profile", "/stop_profile"])
async def test_maintenance_routes_answer_200(client: httpx2.AsyncClient, path: str) -> None:
    assert (await client.post(path)).status_code == 200


async def test_unknown_route_is_404_naming_the_path(client: httpx2.AsyncClient) -> None:
    response = await client.get("/nope")
    assert response.status_code == 404
    assert "/nope" in response.json()["error"]["message"]


async def test_wrong_method_is_405_with_allow_header(client: httpx2.AsyncClient) -> None:
    response = await client.get("/v1/completions")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


async def test_api_key_is_required_everywhere_but_health(engine_factory: EngineFactory) -> None:
    async with (
        engine_factory(api_key="sekret") as engine,
        httpx2.AsyncClient(base_url=engine.url) as client,
    ):
        assert (await client.get("/health")).status_code == 200
        assert (await client.get("/v1/models")).status_code == 401
        good = await client.get("/v1/models", headers={"authorization": "Bearer sekret"})
    assert good.status_code == 200


async def test_engine_answers_503_until_its_startup_delay_has_passed(engine_factory: EngineFactory) -> None:
    async with (
        engine_factory(startup_delay=0.3) as engine,
        httpx2.AsyncClient(base_url=engine.url) as client,
    ):
        early = await client.get("/health")
        early_completion = await client.post("/v1/completions", json={"model": "m", "prompt": "x"})
        await anyio.sleep(0.35)
        late = await client.get("/health")
    assert (early.status_code, early_completion.status_code, late.status_code) == (503, 503, 200)


async def test_completion_generates_max_tokens_with_usage(client: httpx2.AsyncClient) -> None:
    body = (await client.post("/v1/completions", json={"model": "m", "prompt": "a b c d", "max_tokens": 3})).json()
    assert body["object"] == "text_completion"
    assert body["model"] == "mock"
    assert body["choices"][0]["text"] == " the quick brown"
    assert body["choices"][0]["finish_reason"] == "length"
    assert body["usage"] == {"prompt_tokens": 4, "completion_tokens": 3, "total_tokens": 7}


async def test_completion_without_max_tokens_generates_sixteen(client: httpx2.AsyncClient) -> None:
    body = (await client.post("/v1/completions", json={"model": "m", "prompt": "a"})).json()
    assert body["usage"]["completion_tokens"] == 16


async def test_streamed_completion_sends_one_event_per_token_then_usage_and_done(
    client: httpx2.AsyncClient,
) -> None:
    request = {
        "model": "m",
        "prompt": "a b",
        "max_tokens": 3,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    async with client.stream("POST", "/v1/completions", json=request) as response:
        assert response.headers["content-type"] == "text/event-stream"
        events = await sse_events(response)
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert [c["choices"][0]["text"] for c in chunks[:3]] == [" the", " quick", " brown"]
    assert [c["choices"][0]["finish_reason"] for c in chunks[:3]] == [None, None, "length"]
    assert chunks[3]["choices"] == []
    assert chunks[3]["usage"] == {"prompt_tokens": 2, "completion_tokens": 3, "total_tokens": 5}


async def test_chat_completion_counts_words_of_every_message_and_honours_max_completion_tokens(
    client: httpx2.AsyncClient,
) -> None:
    messages = [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": [{"type": "text", "text": "hello there you"}, {"type": "image_url"}]},
    ]
    request = {"model": "m", "messages": messages, "max_completion_tokens": 2, "max_tokens": 9}
    body = (await client.post("/v1/chat/completions", json=request)).json()
    assert body["object"] == "chat.completion"
    assert body["choices"][0]["message"] == {"role": "assistant", "content": " the quick"}
    assert body["usage"]["prompt_tokens"] == 5


async def test_streamed_chat_sends_role_first_then_content_deltas(client: httpx2.AsyncClient) -> None:
    request = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 2, "stream": True}
    async with client.stream("POST", "/v1/chat/completions", json=request) as response:
        events = await sse_events(response)
    chunks = [json.loads(e) for e in events[:-1]]
    assert [c["choices"][0]["delta"] for c in chunks] == [
        {"role": "assistant", "content": " the"},
        {"content": " quick"},
    ]
    assert chunks[0]["object"] == "chat.completion.chunk"
    assert events[-1] == "[DONE]"


async def test_n_above_one_produces_that_many_choices(client: httpx2.AsyncClient) -> None:
    request = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 2, "n": 3}
    body = (await client.post("/v1/chat/completions", json=request)).json()
    assert [c["index"] for c in body["choices"]] == [0, 1, 2]
    assert body["usage"]["completion_tokens"] == 6


async def test_streamed_n_interleaves_choices_by_index(client: httpx2.AsyncClient) -> None:
    request = {"model": "m", "prompt": "hi", "max_tokens": 2, "n": 2, "stream": True}
    async with client.stream("POST", "/v1/completions", json=request) as response:
        events = await sse_events(response)
    indexes = [json.loads(e)["choices"][0]["index"] for e in events[:-1]]
    assert indexes == [0, 1, 0, 1]


async def test_batched_prompt_gets_one_choice_per_prompt(client: httpx2.AsyncClient) -> None:
    request = {"model": "m", "prompt": ["a b", "c d e"], "max_tokens": 1}
    body = (await client.post("/v1/completions", json=request)).json()
    assert len(body["choices"]) == 2
    assert body["usage"]["prompt_tokens"] == 5


async def test_token_id_prompt_counts_ids(client: httpx2.AsyncClient) -> None:
    body = (await client.post("/v1/completions", json={"model": "m", "prompt": [1, 2, 3], "max_tokens": 1})).json()
    assert body["usage"]["prompt_tokens"] == 3


async def test_generate_returns_sglang_shape(client: httpx2.AsyncClient) -> None:
    request = {"text": "a b c", "sampling_params": {"max_new_tokens": 2}}
    body = (await client.post("/generate", json=request)).json()
    assert body["text"] == " the quick"
    assert body["output_ids"] == [1000, 1001]
    assert body["meta_info"]["finish_reason"] == {"type": "length", "length": 2}
    assert (body["meta_info"]["prompt_tokens"], body["meta_info"]["completion_tokens"]) == (3, 2)


async def test_generate_with_logprobs_returns_input_and_output_logprobs(client: httpx2.AsyncClient) -> None:
    request = {"input_ids": [5, 6, 7], "sampling_params": {"max_new_tokens": 1}, "return_logprob": True}
    meta = (await client.post("/generate", json=request)).json()["meta_info"]
    assert len(meta["input_token_logprobs"]) == 3
    assert meta["input_token_logprobs"][0][0] is None
    assert len(meta["output_token_logprobs"]) == 1


async def test_generate_batch_returns_a_list(client: httpx2.AsyncClient) -> None:
    request = {"input_ids": [[1, 2], [3]], "sampling_params": {"max_new_tokens": 1}}
    body = (await client.post("/generate", json=request)).json()
    assert [item["text"] for item in body] == [" the", " the"]


async def test_streamed_generate_sends_cumulative_text(client: httpx2.AsyncClient) -> None:
    request = {"text": "a", "sampling_params": {"max_new_tokens": 3, "n": 2}, "stream": True}
    async with client.stream("POST", "/generate", json=request) as response:
        events = await sse_events(response)
    chunks = [json.loads(e) for e in events[:-1]]
    assert [c["text"] for c in chunks if c["index"] == 0] == [" the", " the quick", " the quick brown"]
    assert chunks[-1]["meta_info"]["finish_reason"] == {"type": "length", "length": 3}


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/v1/completions", b"{not json", "not valid JSON"),
        ("/v1/completions", b"[1, 2]", "must be a JSON object"),
        ("/v1/completions", b'{"model": "m"}', "prompt is required"),
        ("/v1/completions", b'{"prompt": {"a": 1}}', "prompt must be"),
        ("/v1/completions", b'{"prompt": "a", "max_tokens": -1}', "max_tokens must be an integer >= 0"),
        ("/v1/completions", b'{"prompt": "a", "n": 1000}', "at most 128 completions"),
        ("/v1/completions", b'{"prompt": "a", "max_tokens": 200000}', "exceeds the context length"),
        ("/v1/chat/completions", b'{"messages": []}', "messages must be a non-empty list"),
        ("/v1/chat/completions", b'{"messages": ["hi"]}', "messages[0] must be an object"),
        ("/v1/chat/completions", b'{"messages": [{"role": "user", "content": 3}]}', "content must be"),
        ("/generate", b'{"sampling_params": {}}', "one of text or input_ids"),
        ("/generate", b'{"text": "a", "sampling_params": 3}', "sampling_params must be an object"),
        ("/v1/completions", b'{"prompt": "a", "bootstrap_port": "x"}', "bootstrap_port must be"),
        ("/v1/completions", b'{"prompt": "a", "bootstrap_host": 1}', "bootstrap_host must be"),
        ("/v1/completions", b'{"prompt": "a", "bootstrap_room": "r"}', "bootstrap_room must be"),
    ],
)
async def test_bad_generation_request_is_400_saying_what_is_wrong(
    client: httpx2.AsyncClient, path: str, body: bytes, message: str
) -> None:
    response = await client.post(path, content=body)
    assert response.status_code == 400
    assert message in response.json()["error"]["message"]


async def test_router_defaults_and_bootstrap_arrays_are_accepted(client: httpx2.AsyncClient) -> None:
    request = {
        "model": "unknown",
        "messages": [{"role": "user", "content": "hi"}],
        "n": 2,
        "logprobs": False,
        "stream": False,
        "no_stop_trim": False,
        "skip_special_tokens": True,
        "separate_reasoning": True,
        "bootstrap_host": ["127.0.0.1", "127.0.0.1"],
        "bootstrap_port": [None, None],
        "bootstrap_room": [2**63 - 1, 5],
        "data_parallel_rank": 0,
    }
    assert (await client.post("/v1/chat/completions", json=request)).status_code == 200


async def test_empty_completions_flag_generates_no_tokens(engine_factory: EngineFactory) -> None:
    async with (
        engine_factory(empty_completions=True) as engine,
        httpx2.AsyncClient(base_url=engine.url) as client,
    ):
        plain = (await client.post("/v1/completions", json={"model": "m", "prompt": "a", "max_tokens": 4})).json()
        request = {"model": "m", "messages": [{"role": "user", "content": "a"}], "stream": True}
        async with client.stream("POST", "/v1/chat/completions", json=request) as response:
            events = await sse_events(response)
    assert plain["choices"][0]["text"] == ""
    assert plain["usage"]["completion_tokens"] == 0
    assert json.loads(events[0])["choices"][0]["delta"]["content"] == ""
    assert json.loads(events[0])["choices"][0]["finish_reason"] == "stop"
    assert events[1:] == ["[DONE]"]


async def test_error_rate_fails_exactly_that_share_of_requests(engine_factory: EngineFactory) -> None:
    async with (
        engine_factory(error_rate=0.25) as engine,
        httpx2.AsyncClient(base_url=engine.url) as client,
    ):
        statuses = [
            (await client.post("/v1/completions", json={"model": "m", "prompt": "a", "max_tokens": 1})).status_code
            for _ in range(8)
        ]
    assert statuses == [200, 200, 200, 500] * 2


async def test_time_to_first_token_is_prompt_tokens_times_prefill_latency(engine_factory: EngineFactory) -> None:
    async with (
        engine_factory(prefill_ms_per_token=2.0, decode_ms_per_token=30.0) as engine,
        httpx2.AsyncClient(base_url=engine.url) as client,
    ):
        request = {"model": "m", "prompt": " ".join(["w"] * 50), "max_tokens": 4, "stream": True}
        start = time.perf_counter()
        async with client.stream("POST", "/v1/completions", json=request) as response:
            arrivals = [
                time.perf_counter() - start async for line in response.aiter_lines() if line.startswith("data: {")
            ]
    assert 0.099 <= arrivals[0] < 0.2  # 50 prompt tokens x 2 ms
    assert arrivals[3] - arrivals[0] == pytest.approx(0.09, abs=0.02)  # three 30 ms decode steps


async def test_non_streamed_answer_arrives_after_prefill_and_all_decode_steps(engine_factory: EngineFactory) -> None:
    async with (
        engine_factory(prefill_ms_per_token=10.0, decode_ms_per_token=20.0) as engine,
        httpx2.AsyncClient(base_url=engine.url) as client,
    ):
        start = time.perf_counter()
        await client.post("/v1/completions", json={"model": "m", "prompt": "a b c d e", "max_tokens": 6})
        elapsed = time.perf_counter() - start
    assert 0.15 <= elapsed < 0.3  # 5 x 10 ms prefill + 5 x 20 ms between six tokens


async def test_decode_engine_waits_for_its_prefill_partner_through_the_bootstrap_port(
    engine_factory: EngineFactory,
) -> None:
    async with (
        engine_factory(role=Role.PREFILL, bootstrap_port=0, prefill_ms_per_token=20.0) as prefill,
        engine_factory(role=Role.DECODE, decode_ms_per_token=1.0, prefill_ms_per_token=0.0) as decode,
        httpx2.AsyncClient() as client,
    ):
        body = {
            "model": "m",
            "prompt": "a b c d e",
            "max_tokens": 3,
            "bootstrap_host": "127.0.0.1",
            "bootstrap_port": prefill.bootstrap_port,
            "bootstrap_room": 77,
        }
        start = time.perf_counter()
        results: dict[str, httpx2.Response] = {}

        async def send(name: str, engine: MockEngine) -> None:
            results[name] = await client.post(f"{engine.url}/v1/completions", json=body)
            results[name].elapsed_s = time.perf_counter() - start  # type: ignore[attr-defined]

        async with anyio.create_task_group() as tg:
            tg.start_soon(send, "decode", decode)
            await anyio.sleep(0.02)  # decode asks before prefill has heard of the room
            tg.start_soon(send, "prefill", prefill)
    assert results["prefill"].json()["usage"]["completion_tokens"] == 1
    assert results["decode"].json()["usage"]["completion_tokens"] == 3
    assert results["decode"].elapsed_s >= 0.02 + 0.1  # type: ignore[attr-defined]


async def test_decode_engine_fails_the_request_when_the_bootstrap_port_is_wrong(
    engine_factory: EngineFactory,
) -> None:
    async with (
        engine_factory(role=Role.DECODE) as decode,
        httpx2.AsyncClient(base_url=decode.url) as client,
    ):
        body = {"model": "m", "prompt": "a", "bootstrap_host": "127.0.0.1", "bootstrap_port": 1, "bootstrap_room": 1}
        response = await client.post("/v1/completions", json=body)
    assert response.status_code == 500
    assert "cannot reach the prefill bootstrap 127.0.0.1:1 for room 1" in response.json()["error"]["message"]


async def test_decode_engine_without_bootstrap_fields_times_prefill_itself(engine_factory: EngineFactory) -> None:
    async with (
        engine_factory(role=Role.DECODE, prefill_ms_per_token=30.0) as decode,
        httpx2.AsyncClient(base_url=decode.url) as client,
    ):
        start = time.perf_counter()
        body = {"model": "m", "prompt": "a b c", "max_tokens": 1, "bootstrap_port": None}
        await client.post("/v1/completions", json=body)
    assert time.perf_counter() - start >= 0.09


async def test_engine_url_needs_a_started_engine() -> None:
    from srtctl.mock_engine import EngineConfig

    with pytest.raises(RuntimeError, match="has not been started"):
        _ = MockEngine(EngineConfig()).url


async def test_streamed_request_whose_handover_fails_gets_an_error_event(engine_factory: EngineFactory) -> None:
    async with (
        engine_factory(role=Role.DECODE) as decode,
        httpx2.AsyncClient(base_url=decode.url) as client,
    ):
        body = {"prompt": "a", "stream": True, "bootstrap_host": "127.0.0.1", "bootstrap_port": 1, "bootstrap_room": 9}
        async with client.stream("POST", "/v1/completions", json=body) as response:
            status = response.status_code
            events = await sse_events(response)
    assert status == 200  # the head went out before the handover, as SGLang's does
    assert "KV handover failed" in json.loads(events[0])["error"]["message"]
    assert events[-1] == "[DONE]"


async def test_stream_head_is_sent_before_the_first_token(engine_factory: EngineFactory) -> None:
    async with (
        engine_factory(prefill_ms_per_token=300.0) as engine,
        httpx2.AsyncClient(base_url=engine.url) as client,
    ):
        start = time.perf_counter()
        async with client.stream("POST", "/v1/completions", json={"prompt": "a", "stream": True}) as response:
            head_after = time.perf_counter() - start
            await response.aread()
        total = time.perf_counter() - start
    assert head_after < 0.2 <= 0.3 <= total
