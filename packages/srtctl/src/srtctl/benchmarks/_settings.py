"""Each runner's own typed settings, validated once and referenced from the job config's `benchmark:` block.

Every settings class carries a `type` literal naming its runner, so a job config can hold any of them as
one discriminated union (`BenchmarkSettings`), and `parse_settings` turns a mapping (a YAML block) into
the right class with every problem named by its field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, TypeAdapter, ValidationError

from ._errors import BenchmarkConfigError

__all__ = (
    "AccuracySettings",
    "AiperfSettings",
    "BenchmarkSettings",
    "CustomSettings",
    "ServingSettings",
    "SglangBenchSettings",
    "parse_settings",
    "settings_dict",
    "settings_schema",
)

_FORBID = ConfigDict(extra="forbid")

PositiveInt = Annotated[int, Field(gt=0)]
NonNegativeInt = Annotated[int, Field(ge=0)]
PositiveFloat = Annotated[float, Field(gt=0)]
Fraction = Annotated[float, Field(ge=0, le=1)]
RangeRatio = Annotated[float, Field(gt=0, le=1)]
Concurrencies = Annotated[tuple[PositiveInt, ...], Field(min_length=1)]
ExtraArgs = Mapping[str, str | int | float | bool | None | tuple[str, ...]]
"""Extra flags for an external tool: `{"--flag": value}`; True spells a bare flag, False and None drop it,
a tuple gives several values after one flag."""
Environment = Mapping[str, str]


@dataclass(frozen=True, slots=True, kw_only=True)
class _LoadShape:
    """What every serving benchmark asks for: prompt and output lengths, concurrency levels and pacing."""

    __pydantic_config__ = _FORBID

    input_tokens: PositiveInt = 1024
    """Prompt length, in tokens."""
    output_tokens: PositiveInt = 128
    """Tokens to generate per request (end-of-sequence is ignored so every request generates them all)."""
    concurrencies: Concurrencies = (1,)
    """Concurrency levels to measure, one run each, in this order."""
    request_rate: PositiveFloat | None = None
    """Requests per second (Poisson arrivals); None sends as fast as the concurrency allows."""
    num_prompts: PositiveInt | None = None
    """Requests measured per concurrency level; by default ten times the concurrency."""
    warmup_requests: NonNegativeInt | None = None
    """Requests sent (and not measured) before each level; by default one per concurrent slot."""
    random_range_ratio: RangeRatio = 1.0
    """Lengths are drawn uniformly from [ratio x length, length]; 1.0 keeps them exact."""
    max_error_rate: Fraction = 0.0
    """The validity gate: a level whose share of failed requests exceeds this fails the job."""

    def requests_at(self, concurrency: int) -> int:
        """How many requests are measured at `concurrency`."""
        return self.num_prompts or 10 * concurrency

    def warmup_at(self, concurrency: int) -> int:
        """How many warm-up requests precede the level at `concurrency`."""
        return concurrency if self.warmup_requests is None else self.warmup_requests


@dataclass(frozen=True, slots=True, kw_only=True)
class ServingSettings(_LoadShape):
    """srtctl's built-in serving benchmark: an async load generator for OpenAI-compatible endpoints."""

    type: Literal["serving"] = "serving"
    api: Literal["completions", "chat"] = "completions"
    """`/v1/completions` or `/v1/chat/completions`."""
    ttft_limit_ms: PositiveFloat | None = None
    """Goodput: a request counts only if its time to first token is within this limit."""
    itl_limit_ms: PositiveFloat | None = None
    """Goodput: a request counts only if its mean inter-token latency is within this limit."""
    e2e_limit_ms: PositiveFloat | None = None
    """Goodput: a request counts only if it completes within this limit."""
    request_timeout_s: PositiveFloat = 600.0
    """A request still unfinished after this long counts as failed."""
    seed: int = 0
    """Seed of the synthetic prompts and arrival times, so runs are repeatable."""
    extra_body: Mapping[str, Any] = field(default_factory=dict)
    """Extra fields merged into every request body (sampling parameters, for instance)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SglangBenchSettings(_LoadShape):
    """SGLang's `python -m sglang.bench_serving` with its random dataset, run where SGLang is installed."""

    type: Literal["sglang-bench"] = "sglang-bench"
    api: Literal["completions", "chat"] = "completions"
    """Backend `sglang-oai` (completions) or `sglang-oai-chat`."""
    tokenizer: str | None = None
    """Tokenizer path or name; by default the deployment's model path."""
    python: str = "python3"
    """The interpreter that has SGLang installed."""
    seed: int = 0
    args: ExtraArgs = field(default_factory=dict)
    """Extra flags for bench_serving."""
    environment: Environment = field(default_factory=dict)
    """Environment variables for the tool only."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AiperfSettings(_LoadShape):
    """NVIDIA's `aiperf profile` with synthetic inputs, one profile per concurrency level."""

    type: Literal["aiperf"] = "aiperf"
    api: Literal["completions", "chat"] = "chat"
    """aiperf's endpoint type."""
    tokenizer: str | None = None
    """Tokenizer path or name; by default the deployment's model path."""
    ttft_limit_ms: PositiveFloat | None = None
    """Goodput constraint on time to first token."""
    itl_limit_ms: PositiveFloat | None = None
    """Goodput constraint on inter-token latency."""
    executable: str = "aiperf"
    seed: int = 0
    args: ExtraArgs = field(default_factory=dict)
    environment: Environment = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class AccuracySettings:
    """An accuracy evaluation (MMLU, GPQA, GSM8K) against the deployment's OpenAI-compatible API."""

    __pydantic_config__ = _FORBID

    type: Literal["mmlu", "gpqa", "gsm8k"]
    harness: Literal["sglang", "lm-eval"] = "sglang"
    """`sglang` runs `python -m sglang.test.run_eval`; `lm-eval` runs EleutherAI's `lm_eval` on chat completions."""
    num_examples: PositiveInt | None = None
    """Examples to evaluate; all of them by default."""
    max_tokens: PositiveInt | None = None
    """Generation budget per answer; the harness's default when None."""
    repeat: PositiveInt = 1
    """Repeat the evaluation this many times (sglang harness)."""
    num_shots: NonNegativeInt | None = None
    """Few-shot examples (lm-eval harness)."""
    concurrency: PositiveInt = 64
    """Requests in flight."""
    temperature: Annotated[float, Field(ge=0)] | None = None
    min_score: Fraction | None = None
    """The validity gate: a score below this fails the job."""
    python: str = "python3"
    """The interpreter of the sglang harness."""
    executable: str = "lm_eval"
    """The lm-eval command."""
    args: ExtraArgs = field(default_factory=dict)
    environment: Environment = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomSettings:
    """Any command, run with `bash -lc`, with the deployment's address in its environment."""

    __pydantic_config__ = _FORBID

    type: Literal["custom"] = "custom"
    command: Annotated[str, Field(min_length=1)]
    """The shell command; it sees SRT_BASE_URL, SRT_MODEL, SRT_GPUS and SRT_LOG_DIR."""
    environment: Environment = field(default_factory=dict)


BenchmarkSettings = Annotated[
    ServingSettings | SglangBenchSettings | AiperfSettings | AccuracySettings | CustomSettings,
    Field(discriminator="type"),
]
"""The settings of any registered runner, told apart by `type`."""

_ADAPTER: TypeAdapter[Any] = TypeAdapter(BenchmarkSettings)


def parse_settings(data: Mapping[str, Any]) -> Any:
    """Validate a `benchmark:` mapping into the settings of the runner its `type` names.

    Raises:
        BenchmarkConfigError: one line per problem, each naming its field.
    """
    try:
        return _ADAPTER.validate_python(dict(data))
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"][1:]) or "type"
            problems.append(f"benchmark.{where}: {error['msg']}")
        raise BenchmarkConfigError("\n".join(problems)) from None


def settings_schema() -> dict[str, Any]:
    """The JSON Schema of `BenchmarkSettings`, for editors and the job-config schema."""
    return _ADAPTER.json_schema()


def settings_dict(settings: Any) -> dict[str, Any]:
    """The JSON-ready form of any runner's settings (as recorded in `results.json`)."""
    return TypeAdapter(type(settings)).dump_python(settings, mode="json")
