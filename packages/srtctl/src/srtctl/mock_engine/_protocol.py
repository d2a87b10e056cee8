"""The OpenAI and SGLang request and response shapes the mock engine reads and writes.

A token, for the mock, is one whitespace-separated word of the prompt (or one id of `input_ids`), and the
engine generates words from a small fixed vocabulary. Streamed chunks are rendered from byte templates
built once per request, because they are the hot path of every benchmark.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = (
    "TOKENS",
    "Api",
    "Bootstrap",
    "GenerationRequest",
    "RequestError",
    "Renderer",
    "parse_generation",
)

# Generated text cycles through these; each is a single token in the usual BPE vocabularies.
_WORDS = (
    "the quick brown fox jumps over a lazy dog while mock engines stream tokens to every client that asks "
    "for more text and some numbers like one two three four five six seven eight nine ten"
)
TOKENS: tuple[str, ...] = tuple(" " + word for word in _WORDS.split(" "))
_TOKEN_BYTES = tuple(json.dumps(t).encode() for t in TOKENS)
_FIRST_TOKEN_ID = 1000
DEFAULT_MAX_TOKENS = 16
MAX_CHOICES = 128


class Api(StrEnum):
    """The three generation routes."""

    COMPLETIONS = "completions"
    CHAT = "chat"
    GENERATE = "generate"


class RequestError(Exception):
    """A request the engine refuses, with the HTTP status to answer and the offending parameter."""

    def __init__(self, message: str, *, status: int = 400, param: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param

    def body(self) -> bytes:
        """The OpenAI-style error body."""
        kind = "BadRequestError" if self.status < 500 else "InternalServerError"
        error = {"message": self.message, "type": kind, "param": self.param, "code": self.status}
        return json.dumps({"error": error}).encode()


@dataclass(frozen=True, slots=True)
class Bootstrap:
    """The PD fields the router adds: where the prefill partner listens and which rooms pair the two."""

    host: str | None
    port: int | None
    rooms: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class GenerationRequest:
    """What a generation request asks for, reduced to what the mock models."""

    api: Api
    prompt_tokens: int
    """Prompt tokens over the whole batch."""
    prompts: int
    """Prompts in the batch (1 unless a list of prompts was sent)."""
    n: int
    """Completions per prompt."""
    max_tokens: int
    stream: bool
    include_usage: bool
    return_logprob: bool
    bootstrap: Bootstrap

    @property
    def choices(self) -> int:
        """Completions produced in all."""
        return self.prompts * self.n


def _words(text: str) -> int:
    return len(text.split())


def _count_prompt(value: Any, param: str) -> tuple[int, int]:
    """Return (tokens, prompts) for a prompt given as text, token ids, or a batch of either."""
    if isinstance(value, str):
        return _words(value), 1
    if isinstance(value, list):
        if all(isinstance(item, int) and not isinstance(item, bool) for item in value):
            return len(value), 1
        if all(isinstance(item, str) for item in value):
            return sum(_words(item) for item in value), len(value)
        if all(isinstance(item, list) and all(isinstance(i, int) for i in item) for item in value):
            return sum(len(item) for item in value), len(value)
    raise RequestError(f"{param} must be a string, a list of token ids, or a batch of either", param=param)


def _count_messages(messages: Any) -> int:
    if not isinstance(messages, list) or not messages:
        raise RequestError("messages must be a non-empty list", param="messages")
    tokens = 0
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or "role" not in message:
            raise RequestError(f"messages[{index}] must be an object with a role", param="messages")
        content = message.get("content")
        if isinstance(content, str):
            tokens += _words(content)
        elif isinstance(content, list):
            texts = [part.get("text", "") for part in content if isinstance(part, dict) and part.get("type") == "text"]
            tokens += sum(_words(text) for text in texts)
        elif content is not None:
            raise RequestError(f"messages[{index}].content must be a string or a list of parts", param="messages")
    return tokens


def _int_param(body: dict[str, Any], name: str, default: int, minimum: int) -> int:
    value = body.get(name)
    if value is None:
        return default
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise RequestError(f"{name} must be an integer >= {minimum}, got {value!r}", param=name)
    return value


def _bootstrap(body: dict[str, Any]) -> Bootstrap:
    host = body.get("bootstrap_host")
    port = body.get("bootstrap_port")
    room = body.get("bootstrap_room")
    # For batches and n > 1 the router sends one value per item; all items share one prefill partner here.
    if isinstance(host, list):
        host = host[0] if host else None
    if isinstance(port, list):
        port = port[0] if port else None
    rooms: list[Any] = room if isinstance(room, list) else ([] if room is None else [room])
    if host is not None and not isinstance(host, str):
        raise RequestError("bootstrap_host must be a string", param="bootstrap_host")
    if port is not None and (not isinstance(port, int) or isinstance(port, bool)):
        raise RequestError("bootstrap_port must be an integer or null", param="bootstrap_port")
    if not all(isinstance(r, int) and not isinstance(r, bool) for r in rooms):
        raise RequestError("bootstrap_room must be an integer or a list of integers", param="bootstrap_room")
    return Bootstrap(host, port, tuple(rooms))


def parse_generation(api: Api, raw: bytes, *, context_length: int) -> GenerationRequest:
    """Validate a generation request body and reduce it to a `GenerationRequest`.

    Raises:
        RequestError: the body is not JSON, lacks its prompt, or asks for more than the engine allows.
    """
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise RequestError(f"the request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise RequestError("the request body must be a JSON object")
    if api is Api.GENERATE:
        sampling = body.get("sampling_params") or {}
        if not isinstance(sampling, dict):
            raise RequestError("sampling_params must be an object", param="sampling_params")
        if body.get("text") is not None:
            prompt_tokens, prompts = _count_prompt(body["text"], "text")
        elif body.get("input_ids") is not None:
            prompt_tokens, prompts = _count_prompt(body["input_ids"], "input_ids")
        else:
            raise RequestError("one of text or input_ids is required", param="text")
        max_tokens = _int_param(sampling, "max_new_tokens", 128, 0)
        n = _int_param(sampling, "n", 1, 1)
        include_usage = False
        return_logprob = bool(body.get("return_logprob"))
    else:
        if api is Api.CHAT:
            prompt_tokens, prompts = _count_messages(body.get("messages")), 1
            max_tokens = _int_param(body, "max_completion_tokens", -1, 0)
            if max_tokens < 0:
                max_tokens = _int_param(body, "max_tokens", DEFAULT_MAX_TOKENS, 0)
        else:
            if body.get("prompt") is None:
                raise RequestError("prompt is required", param="prompt")
            prompt_tokens, prompts = _count_prompt(body["prompt"], "prompt")
            max_tokens = _int_param(body, "max_tokens", DEFAULT_MAX_TOKENS, 0)
        n = _int_param(body, "n", 1, 1)
        options = body.get("stream_options") or {}
        include_usage = isinstance(options, dict) and bool(options.get("include_usage"))
        return_logprob = False
    if prompts * n > MAX_CHOICES:
        raise RequestError(f"at most {MAX_CHOICES} completions per request, got {prompts * n}", param="n")
    per_prompt = prompt_tokens // max(prompts, 1)
    if per_prompt + max_tokens > context_length:
        raise RequestError(
            f"prompt ({per_prompt} tokens) plus max tokens ({max_tokens}) exceeds the context length "
            f"of {context_length} tokens",
            param="max_tokens",
        )
    return GenerationRequest(
        api=api,
        prompt_tokens=prompt_tokens,
        prompts=prompts,
        n=n,
        max_tokens=max_tokens,
        stream=bool(body.get("stream")),
        include_usage=include_usage,
        return_logprob=return_logprob,
        bootstrap=_bootstrap(body),
    )


def token_text(index: int) -> str:
    """The text of the `index`-th generated token."""
    return TOKENS[index % len(TOKENS)]


def token_id(index: int) -> int:
    """The id of the `index`-th generated token."""
    return _FIRST_TOKEN_ID + index % len(TOKENS)


class Renderer:
    """Renders one request's streamed chunks and final body."""

    def __init__(self, request: GenerationRequest, *, request_id: str, model: str, finish_reason: str) -> None:
        self.request = request
        self.request_id = request_id
        self.finish_reason = finish_reason
        self.created = int(time.time())
        self.model = model
        self._model = json.dumps(model)
        api = request.api
        if api is Api.CHAT:
            obj = "chat.completion.chunk"
        elif api is Api.COMPLETIONS:
            obj = "text_completion"
        else:
            obj = ""
        self._head = b'data: {"id":"%s","object":"%s","created":%d,"model":%s,"choices":[' % (
            request_id.encode(),
            obj.encode(),
            self.created,
            self._model.encode(),
        )

    def _usage(self, completion_tokens: int) -> dict[str, int]:
        prompt = self.request.prompt_tokens
        total = prompt + completion_tokens
        return {"prompt_tokens": prompt, "completion_tokens": completion_tokens, "total_tokens": total}

    def chunk(self, choice: int, index: int, *, last: bool) -> bytes:
        """One SSE event carrying token `index` of `choice`; `last` marks the final token of that choice."""
        api = self.request.api
        if api is Api.GENERATE:
            return self._generate_event(choice, index + 1, last=last)
        finish = b'"%s"' % self.finish_reason.encode() if last else b"null"
        word = _TOKEN_BYTES[index % len(_TOKEN_BYTES)]
        if api is Api.CHAT:
            role = b'"role":"assistant",' if index == 0 else b""
            return b'%s{"index":%d,"delta":{%s"content":%s},"logprobs":null,"finish_reason":%s}]}\n\n' % (
                self._head,
                choice,
                role,
                word,
                finish,
            )
        return b'%s{"index":%d,"text":%s,"logprobs":null,"finish_reason":%s}]}\n\n' % (
            self._head,
            choice,
            word,
            finish,
        )

    def empty_chunk(self, choice: int) -> bytes:
        """The event that ends a choice with no generated token."""
        api = self.request.api
        if api is Api.GENERATE:
            return self._generate_event(choice, 0, last=True)
        finish = self.finish_reason.encode()
        if api is Api.CHAT:
            delta = b'"delta":{"role":"assistant","content":""}'
            return b'%s{"index":%d,%s,"logprobs":null,"finish_reason":"%s"}]}\n\n' % (self._head, choice, delta, finish)
        return b'%s{"index":%d,"text":"","logprobs":null,"finish_reason":"%s"}]}\n\n' % (self._head, choice, finish)

    def stream_tail(self, completion_tokens: int) -> bytes:
        """What follows the last token: the usage event when asked for, then `[DONE]`."""
        tail = b""
        if self.request.include_usage:
            usage = json.dumps(self._usage(completion_tokens), separators=(",", ":")).encode()
            tail = b'%s],"usage":%s}\n\n' % (self._head, usage)
        return tail + b"data: [DONE]\n\n"

    def _generate_event(self, choice: int, generated: int, *, last: bool) -> bytes:
        event = self._generate_object(choice, generated, finished=last)
        if self.request.choices > 1:
            event["index"] = choice
        return b"data: " + json.dumps(event).encode() + b"\n\n"

    def _generate_object(self, choice: int, generated: int, *, finished: bool) -> dict[str, Any]:
        request = self.request
        meta: dict[str, Any] = {
            "id": f"{self.request_id}-{choice}" if request.choices > 1 else self.request_id,
            "finish_reason": {"type": self.finish_reason, "length": generated} if finished else None,
            "prompt_tokens": request.prompt_tokens // request.prompts,
            "completion_tokens": generated,
            "cached_tokens": 0,
        }
        if request.return_logprob:
            prompt = request.prompt_tokens // request.prompts
            meta["input_token_logprobs"] = [[None if i == 0 else -1.0, 1, None] for i in range(prompt)]
            meta["output_token_logprobs"] = [[-0.5, token_id(i), None] for i in range(generated)]
        return {
            "text": "".join(token_text(i) for i in range(generated)),
            "output_ids": [token_id(i) for i in range(generated)],
            "meta_info": meta,
        }

    def body(self, completion_tokens: int) -> bytes:
        """The whole non-streamed response, each choice holding `completion_tokens` tokens."""
        request = self.request
        text = "".join(token_text(i) for i in range(completion_tokens))
        if request.api is Api.GENERATE:
            objects = [self._generate_object(c, completion_tokens, finished=True) for c in range(request.choices)]
            payload: Any = objects[0] if request.choices == 1 else objects
            return json.dumps(payload).encode()
        choices: list[dict[str, Any]]
        if request.api is Api.CHAT:
            choices = [
                {
                    "index": c,
                    "message": {"role": "assistant", "content": text},
                    "logprobs": None,
                    "finish_reason": self.finish_reason,
                }
                for c in range(request.choices)
            ]
            obj = "chat.completion"
        else:
            choices = [
                {"index": c, "text": text, "logprobs": None, "finish_reason": self.finish_reason}
                for c in range(request.choices)
            ]
            obj = "text_completion"
        return json.dumps(
            {
                "id": self.request_id,
                "object": obj,
                "created": self.created,
                "model": self.model,
                "choices": choices,
                "usage": self._usage(completion_tokens * request.choices),
            }
        ).encode()
