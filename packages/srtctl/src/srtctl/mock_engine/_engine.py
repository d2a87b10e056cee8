"""The mock engine: SGLang's HTTP surface, answering with injected latencies instead of a model."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import secrets
import time
from collections.abc import Awaitable, Callable
from types import TracebackType

from .._version import __version__
from ._config import EngineConfig, Role
from ._handover import HandoverError, RoomBoard, await_handover
from ._http import HTTPServer, Request, Responder
from ._protocol import Api, GenerationRequest, Renderer, RequestError, parse_generation

__all__ = ("MockEngine",)

logger = logging.getLogger(__name__)

Route = Callable[[Request, Responder], Awaitable[None]]
_JSON = "application/json"


async def _sleep_until(deadline: float) -> None:
    delay = deadline - asyncio.get_running_loop().time()
    if delay > 0:
        await asyncio.sleep(delay)


class MockEngine:
    """An OpenAI-compatible engine that serves SGLang's routes with injected per-token latencies.

    Use it as an async context manager, or call `start` and `stop`:

        async with MockEngine(EngineConfig(port=0, decode_ms_per_token=20)) as engine:
            ...  # talk to engine.url

    The time to first token is the prompt's token count times `prefill_ms_per_token`; each later token
    follows `decode_ms_per_token` after the one before. Deadlines are absolute, so event-loop jitter never
    accumulates over a stream. A decode engine that gets the router's `bootstrap_*` fields waits for its
    prefill partner's handover instead of timing prefill itself.
    """

    def __init__(self, config: EngineConfig) -> None:
        self.config = config
        self.port: int | None = None
        self.bootstrap_port: int | None = None
        self._server = HTTPServer(self._handle)
        self._bootstrap_server: HTTPServer | None = None
        self._rooms = RoomBoard()
        self._ready_at = 0.0
        self._ids = itertools.count(1)
        self._id_prefix = secrets.token_hex(4)
        self._error_budget = 0.0
        self._running = 0
        self._tokens_in_flight = 0
        self._requests_total = 0
        self._errors_injected = 0
        self._prompt_tokens_total = 0
        self._generation_tokens_total = 0
        self._routes: dict[str, tuple[str, Route]] = {
            "/health": ("GET", self._health),
            "/health_generate": ("GET", self._health),
            "/v1/models": ("GET", self._models),
            "/server_info": ("GET", self._server_info),
            "/get_server_info": ("GET", self._server_info),
            "/model_info": ("GET", self._model_info),
            "/get_model_info": ("GET", self._model_info),
            "/get_load": ("GET", self._load),
            "/metrics": ("GET", self._metrics),
            "/flush_cache": ("POST", self._flush_cache),
            "/start_profile": ("POST", self._profile),
            "/stop_profile": ("POST", self._profile),
            "/v1/completions": ("POST", self._completions),
            "/v1/chat/completions": ("POST", self._chat),
            "/generate": ("POST", self._generate),
        }

    # -- lifecycle --------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The base URL of the API, once started."""
        if self.port is None:
            raise RuntimeError("the engine has not been started")
        host = self.config.host
        return f"http://{'[' + host + ']' if ':' in host else host}:{self.port}"

    @property
    def is_ready(self) -> bool:
        """Whether the (simulated) weights have loaded."""
        return self.port is not None and asyncio.get_running_loop().time() >= self._ready_at

    async def start(self) -> None:
        """Bind the API (and, for a prefill engine given a bootstrap port, the bootstrap listener)."""
        config = self.config
        loop = asyncio.get_running_loop()
        if config.role is Role.PREFILL and config.bootstrap_port is not None:
            self._bootstrap_server = HTTPServer(self._rooms.handle)
            self.bootstrap_port = await self._bootstrap_server.start(config.host, config.bootstrap_port)
        try:
            self.port = await self._server.start(config.host, config.port)
        except BaseException:
            if self._bootstrap_server is not None:
                await self._bootstrap_server.close()
            raise
        self._ready_at = loop.time() + config.startup_delay
        logger.info("listening on %s (role %s)", self.url, config.role.value)
        if self.bootstrap_port is not None:
            logger.info("bootstrap listener on port %d", self.bootstrap_port)
        loop.call_later(config.startup_delay, self._announce_ready)

    def _announce_ready(self) -> None:
        # The line SGLang prints when it can serve; log watchers look for it.
        logger.info("The server is fired up and ready to roll!")

    async def stop(self, *, abort: bool = False) -> None:
        """Stop listening and close every connection (`abort=True` resets them, as a crash would)."""
        await self._server.close(abort=abort)
        if self._bootstrap_server is not None:
            await self._bootstrap_server.close(abort=abort)

    async def __aenter__(self) -> MockEngine:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    # -- dispatch ---------------------------------------------------------------------------------

    async def _handle(self, request: Request, responder: Responder) -> None:
        route = self._routes.get(request.path)
        if route is None:
            await responder.send(404, RequestError(f"no route {request.path!r}", status=404).body())
            return
        method, handler = route
        if request.method != method:
            message = f"{request.path} takes {method}, not {request.method}"
            await responder.send(405, RequestError(message, status=405).body(), headers=[("allow", method)])
            return
        key = self.config.api_key
        if key is not None and request.path != "/health" and request.headers.get("authorization") != f"Bearer {key}":
            await responder.send(401, RequestError("missing or wrong API key", status=401).body())
            return
        await handler(request, responder)

    async def _send_json(self, responder: Responder, payload: object, status: int = 200) -> None:
        await responder.send(status, json.dumps(payload).encode())

    # -- metadata routes --------------------------------------------------------------------------

    async def _health(self, request: Request, responder: Responder) -> None:
        if self.is_ready:
            await responder.send(200, b"", "text/plain")
        else:
            await responder.send(503, b'{"status":"loading"}')

    async def _models(self, request: Request, responder: Responder) -> None:
        config = self.config
        model = {
            "id": config.served_model_name,
            "object": "model",
            "created": int(time.time()),
            "owned_by": "sglang",
            "root": config.model,
            "max_model_len": config.context_length,
        }
        await self._send_json(responder, {"object": "list", "data": [model]})

    async def _server_info(self, request: Request, responder: Responder) -> None:
        config = self.config
        mode = "null" if config.role is Role.AGGREGATED else config.role.value
        await self._send_json(
            responder,
            {
                "served_model_name": config.served_model_name,
                "model_path": config.model,
                "tokenizer_path": config.model,
                "tp_size": config.tp_size,
                "dp_size": config.dp_size,
                "disaggregation_mode": mode,
                "disaggregation_bootstrap_port": self.bootstrap_port,
                "context_length": config.context_length,
                "version": f"srtctl-mock-engine {__version__}",
                "prefill_ms_per_token": config.prefill_ms_per_token,
                "decode_ms_per_token": config.decode_ms_per_token,
            },
        )

    async def _model_info(self, request: Request, responder: Responder) -> None:
        config = self.config
        await self._send_json(
            responder,
            {
                "model_path": config.model,
                "tokenizer_path": config.model,
                "is_generation": True,
                "model_type": "llama",
                "architectures": ["LlamaForCausalLM"],
            },
        )

    async def _load(self, request: Request, responder: Responder) -> None:
        load = {"dp_rank": 0, "num_reqs": self._running, "num_waiting_reqs": 0, "num_tokens": self._tokens_in_flight}
        await self._send_json(responder, [load])

    async def _metrics(self, request: Request, responder: Responder) -> None:
        labels = f"{{model_name={json.dumps(self.config.served_model_name)}}}"
        series = (
            ("sglang:num_running_reqs", "gauge", "Requests being served.", self._running),
            ("sglang:num_queue_reqs", "gauge", "Requests waiting to be served.", 0),
            ("sglang:num_requests_total", "counter", "Generation requests received.", self._requests_total),
            ("sglang:prompt_tokens_total", "counter", "Prompt tokens received.", self._prompt_tokens_total),
            ("sglang:generation_tokens_total", "counter", "Tokens generated.", self._generation_tokens_total),
            ("srtctl_mock_injected_errors_total", "counter", "Requests failed on purpose.", self._errors_injected),
        )
        lines = []
        for name, kind, help_text, value in series:
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}", f"{name}{labels} {value}"]
        await responder.send(200, ("\n".join(lines) + "\n").encode(), "text/plain; version=0.0.4")

    async def _flush_cache(self, request: Request, responder: Responder) -> None:
        await responder.send(200, b"Cache flushed.\n", "text/plain")

    async def _profile(self, request: Request, responder: Responder) -> None:
        await responder.send(200, b"", "text/plain")

    # -- generation -------------------------------------------------------------------------------

    async def _completions(self, request: Request, responder: Responder) -> None:
        await self._serve_generation(Api.COMPLETIONS, request, responder)

    async def _chat(self, request: Request, responder: Responder) -> None:
        await self._serve_generation(Api.CHAT, request, responder)

    async def _generate(self, request: Request, responder: Responder) -> None:
        await self._serve_generation(Api.GENERATE, request, responder)

    def _should_fail(self) -> bool:
        # Deterministic spreading: with rate 0.25, exactly every fourth request fails.
        self._error_budget += self.config.error_rate
        if self._error_budget >= 1.0 - 1e-9:
            self._error_budget -= 1.0
            return True
        return False

    async def _serve_generation(self, api: Api, request: Request, responder: Responder) -> None:
        if not self.is_ready:
            await responder.send(503, RequestError("the engine is still loading", status=503).body())
            return
        try:
            generation = parse_generation(api, request.body, context_length=self.config.context_length)
        except RequestError as exc:
            await responder.send(exc.status, exc.body())
            return
        self._requests_total += 1
        if self._should_fail():
            self._errors_injected += 1
            await responder.send(500, RequestError("injected failure (--error-rate)", status=500).body())
            return
        tokens = generation.prompt_tokens + generation.max_tokens * generation.choices
        self._running += 1
        self._tokens_in_flight += tokens
        self._prompt_tokens_total += generation.prompt_tokens
        try:
            await self._run(generation, request, responder)
        finally:
            self._running -= 1
            self._tokens_in_flight -= tokens

    def _output_tokens(self, generation: GenerationRequest) -> int:
        if self.config.empty_completions:
            return 0
        if self.config.role is Role.PREFILL:
            return min(1, generation.max_tokens)  # prefill produces the first token only
        return generation.max_tokens

    async def _first_token_at(self, generation: GenerationRequest, received_at: float) -> float:
        """When the first token is due; for prefill this also runs the prefill and closes its rooms."""
        config = self.config
        prefill_done = received_at + generation.prompt_tokens * config.prefill_ms_per_token / 1000.0
        bootstrap = generation.bootstrap
        if config.role is Role.PREFILL:
            for room in bootstrap.rooms:
                self._rooms.open(room)
            ok = False
            try:
                await _sleep_until(prefill_done)
                ok = True
            finally:
                for room in bootstrap.rooms:
                    self._rooms.close(room, ok=ok)
            return prefill_done
        if config.role is Role.DECODE and bootstrap.host and bootstrap.port is not None and bootstrap.rooms:
            host, port = bootstrap.host, bootstrap.port
            try:
                await asyncio.gather(*(await_handover(host, port, room) for room in bootstrap.rooms))
            except HandoverError as exc:
                logger.warning("KV handover failed: %s", exc)
                raise RequestError(f"KV handover failed: {exc}", status=500) from None
            return asyncio.get_running_loop().time()
        return prefill_done

    async def _run(self, generation: GenerationRequest, request: Request, responder: Responder) -> None:
        total = self._output_tokens(generation)
        renderer = Renderer(
            generation,
            request_id=f"{'chatcmpl' if generation.api is Api.CHAT else 'cmpl'}-{self._id_prefix}{next(self._ids):x}",
            model=self.config.served_model_name,
            finish_reason="stop" if self.config.empty_completions else "length",
        )
        step = self.config.decode_ms_per_token / 1000.0
        choices = generation.choices
        if generation.stream:
            await responder.start_stream()
        try:
            first_at = await self._first_token_at(generation, request.received_at)
        except RequestError as exc:
            if not generation.stream:
                await responder.send(exc.status, exc.body())
                return
            # The head is out; like SGLang, report the failure as an error event.
            await responder.write(b"data: " + exc.body() + b"\n\ndata: [DONE]\n\n", last=True)
            return
        self._generation_tokens_total += total * choices
        if not generation.stream:
            await _sleep_until(first_at + max(total - 1, 0) * step)
            await responder.send(200, renderer.body(total))
            return
        await _sleep_until(first_at)
        if total == 0:
            events = [renderer.empty_chunk(c) for c in range(choices)]
            await responder.write(b"".join(events) + renderer.stream_tail(0), last=True)
            return
        loop = asyncio.get_running_loop()
        emitted = 0
        while True:
            # Every token whose deadline has passed goes out in one write.
            due = total if step == 0 else min(total, int((loop.time() - first_at) / step + 1e-9) + 1)
            if due > emitted:
                events = [
                    renderer.chunk(c, i, last=i == total - 1) for i in range(emitted, due) for c in range(choices)
                ]
                emitted = due
                if emitted == total:
                    events.append(renderer.stream_tail(total * choices))
                    await responder.write(b"".join(events), last=True)
                    return
                await responder.write(b"".join(events))
            await _sleep_until(first_at + emitted * step)


def describe(config: EngineConfig) -> str:
    """A one-line summary of an engine's settings for its log."""
    return (
        f"role={config.role.value} model={config.served_model_name!r} host={config.host} port={config.port} "
        f"prefill={config.prefill_ms_per_token}ms/token decode={config.decode_ms_per_token}ms/token "
        f"pid={os.getpid()}"
    )
