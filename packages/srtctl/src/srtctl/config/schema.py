"""The job file's schema: frozen dataclasses that pydantic validates, unknown keys rejected.

Every class here is ``@dataclass(frozen=True, slots=True, kw_only=True)`` and is changed only through
``dataclasses.replace``. Field docstrings become the descriptions of the JSON Schema that ``srtctl schema``
prints for editors. Cross-field rules (does the topology fit, are the engine flags consistent with each
worker's GPUs) live in :mod:`srtctl.plan.topology`; this module checks each value on its own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, PlainValidator

__all__ = (
    "JOB_PLACEHOLDERS",
    "RUNTIME_PLACEHOLDERS",
    "ArgValue",
    "BackendConfig",
    "BackendType",
    "BenchmarkConfig",
    "BenchmarkType",
    "FrontendConfig",
    "FrontendType",
    "HealthCheckConfig",
    "JobConfig",
    "ModelConfig",
    "ResourcesConfig",
    "Role",
    "RoleConfig",
    "SlurmConfig",
    "SweepConfig",
)

_STRICT = ConfigDict(extra="forbid")

Role = Literal["prefill", "decode", "aggregated"]
"""A worker's part in the deployment."""
BackendType = Literal["sglang", "dynamo", "mock"]
FrontendType = Literal["sglang-router", "dynamo"]
BenchmarkType = Literal["none", "serving", "sglang-bench", "aiperf", "mmlu", "gpqa", "gsm8k", "custom"]

JOB_PLACEHOLDERS = ("job_id", "run_name", "log_dir", "head_node")
"""Names that container mounts and environment values may use as ``{name}``; srtctl fills them in."""
RUNTIME_PLACEHOLDERS = (*JOB_PLACEHOLDERS, "node", "node_rank", "worker")
"""Names environment values may use: the job-level ones plus each process's node, node rank and worker index."""

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_FLAG_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_TIME = re.compile(r"^(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?$")


# -- value types -------------------------------------------------------------------------------------------


def _invalid(message: str) -> ValueError:
    """A validation error with a final message (pydantic reports it as given)."""
    return ValueError(message)


def _check_placeholders(value: str, allowed_names: tuple[str, ...] = RUNTIME_PLACEHOLDERS) -> str:
    for match in _PLACEHOLDER.finditer(value):
        name = match.group(1)
        if name is not None and name not in allowed_names:
            allowed = ", ".join(f"{{{n}}}" for n in allowed_names)
            raise _invalid(
                f"unknown placeholder {{{name}}}; expected one of {allowed} (or a sweep parameter), "
                "or write {{ and }} for literal braces",
            )
    return value


def _env_value(value: Any) -> Any:
    if isinstance(value, bool):
        raise _invalid("expected a string; quote it ('1', 'true') so the value is exact")
    if isinstance(value, int | float):
        return str(value)
    return value


EnvValue = Annotated[
    str, BeforeValidator(_env_value, json_schema_input_type=str | int | float), AfterValidator(_check_placeholders)
]
"""An environment value: a string (numbers are taken as their text), with ``{placeholders}`` filled per process."""


def _check_env_names(env: Mapping[str, str]) -> Mapping[str, str]:
    for name in env:
        if not _ENV_NAME.match(name):
            raise _invalid(f"{name!r} is not a valid environment variable name; expected letters, digits and _")
    return env


Environment = Annotated[Mapping[str, EnvValue], AfterValidator(_check_env_names)]


def _arg_scalar(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _invalid("expected a string, a number, true/false, a list of strings or numbers, or a mapping")
    return repr(value) if isinstance(value, float) else str(value)


def _arg_value(value: Any) -> str | bool | None | tuple[str, ...]:
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        return _arg_scalar(value)
    if isinstance(value, list | tuple):
        return tuple(_arg_scalar(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"), sort_keys=True)
    return _arg_scalar(value)


ArgValue = Annotated[
    str | bool | None | tuple[str, ...],
    PlainValidator(
        _arg_value,
        json_schema_input_type=str | int | float | bool | None | list[str | int | float] | dict[str, Any],
    ),
]
"""A command-line flag's value: ``true`` gives a bare ``--flag``, ``false``/``null`` leaves it out, a list
repeats the values after one ``--flag``, a mapping is passed as compact JSON, anything else as ``--flag value``."""


def normalize_flag(name: str) -> str:
    """Spell a flag the way the engines do: ``tp_size``, ``--tp-size`` and ``tp-size`` all become ``tp-size``."""
    return name.strip().lstrip("-").replace("_", "-")


def _normalize_flags(args: Mapping[str, Any]) -> Mapping[str, Any]:
    normalized: dict[str, Any] = {}
    spelled: dict[str, str] = {}
    for name, value in args.items():
        flag = normalize_flag(name)
        if not _FLAG_NAME.match(flag):
            raise _invalid(f"{name!r} is not a flag name")
        if flag in normalized:
            raise _invalid(f"{spelled[flag]!r} and {name!r} are the same flag --{flag}; keep one")
        normalized[flag] = value
        spelled[flag] = name
    return normalized


FlagMap = Annotated[Mapping[str, ArgValue], AfterValidator(_normalize_flags)]
"""Command-line flags by name, in snake_case or kebab-case (stored as kebab-case)."""


def _directive_value(value: Any) -> str | bool | None:
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        return _arg_scalar(value)
    raise _invalid("expected a string, a number, true/false or null")


DirectiveValue = Annotated[
    str | bool | None, PlainValidator(_directive_value, json_schema_input_type=str | int | float | bool | None)
]
"""An option's value: a string or number gives ``--name=value``; ``true`` or ``null`` a bare ``--name``;
``false`` drops an option the cluster file sets by default."""

OptionMap = Annotated[Mapping[str, DirectiveValue], AfterValidator(_normalize_flags)]


def _time_limit(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _check_time_limit(value: str) -> str:
    if value.upper() in {"UNLIMITED", "INFINITE"}:
        return value
    match = _TIME.match(value)
    if match is None:
        raise _invalid(
            f"{value!r} is not a SLURM time limit; expected minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS",
        )
    return value


TimeLimit = Annotated[
    str, BeforeValidator(_time_limit, json_schema_input_type=str | int), AfterValidator(_check_time_limit)
]


def _check_name(value: str) -> str:
    if not _NAME.match(value):
        raise _invalid(
            f"{value!r} is not a job name; expected letters, digits, '.', '_' and '-', starting with a letter or digit",
        )
    return value


JobName = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_check_name)]


def _concurrencies(value: Any) -> Any:
    if isinstance(value, str):
        parts = value.lower().split("x")
        if not all(part.strip().isdigit() for part in parts):
            raise _invalid(f"{value!r} is not a list of concurrencies; expected a list or '16x32x64'")
        return [int(part) for part in parts]
    if isinstance(value, int) and not isinstance(value, bool):
        return [value]
    return value


def _request_rate(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lower() in {"inf", "infinity", "unlimited"}:
        return None
    return value


def _check_mounts(mounts: Mapping[str, str]) -> Mapping[str, str]:
    for host, target in mounts.items():
        container, _, flags = target.partition(":")
        if not (host.startswith("/") or host.startswith("{")):
            raise _invalid(f"mount source {host!r} must be an absolute path")
        if not container.startswith("/"):
            raise _invalid(f"mount target {target!r} must be an absolute path in the container")
        if flags and flags not in {"ro", "rw"}:
            raise _invalid(f"mount flags {flags!r} are not supported; expected ':ro' or ':rw'")
        _check_placeholders(host, JOB_PLACEHOLDERS)
        _check_placeholders(target, JOB_PLACEHOLDERS)
    return mounts


Mounts = Annotated[Mapping[str, str], AfterValidator(_check_mounts)]
"""Container mounts: host path to container path (``/data: /data:ro``)."""

PositiveInt = Annotated[int, Field(ge=1)]
NonNegativeInt = Annotated[int, Field(ge=0)]


# -- sections ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelConfig:
    """The model the workers serve and the container they run in."""

    __pydantic_config__ = _STRICT

    path: Annotated[str, Field(min_length=1)]
    """``hf:<org>/<repo>`` for a Hugging Face model, an absolute directory, or an alias from srtslurm.yaml."""
    container: Annotated[str, Field(min_length=1)] | None = None
    """A container image (registry URI, ``.sqsh`` file, or alias from srtslurm.yaml); none runs on the host."""
    served_model_name: Annotated[str, Field(min_length=1)] | None = None
    """The name clients ask for; by default the Hugging Face id or the directory's name."""
    precision: str | None = None
    """Informational: fp8, bf16, ... Shown in plans and results."""

    @property
    def is_hf(self) -> bool:
        """Whether the model is a Hugging Face id the engine downloads."""
        return self.path.startswith("hf:")

    @property
    def name(self) -> str:
        """The served model name, derived from the path when not set."""
        if self.served_model_name:
            return self.served_model_name
        if self.is_hf:
            return self.path.removeprefix("hf:")
        return self.path.rstrip("/").rsplit("/", 1)[-1] or self.path


@dataclass(frozen=True, slots=True, kw_only=True)
class ResourcesConfig:
    """Nodes, workers and GPUs.

    ``prefill_*`` and ``decode_*`` describe a disaggregated job, ``agg_*`` an aggregated one.
    """

    __pydantic_config__ = _STRICT

    gpu_type: Annotated[str, Field(min_length=1)]
    """The GPU model (h100, h200, gb200, ...); informational, and shown in plans and results."""
    gpus_per_node: PositiveInt
    """GPUs on each node (the cluster file may set the default)."""
    prefill_nodes: PositiveInt | None = None
    """Nodes given to prefill workers."""
    prefill_workers: PositiveInt | None = None
    """How many prefill workers to run."""
    decode_nodes: NonNegativeInt | None = None
    """Nodes given to decode workers; 0 packs them onto the prefill nodes' free GPUs."""
    decode_workers: PositiveInt | None = None
    """How many decode workers to run."""
    agg_nodes: PositiveInt | None = None
    """Nodes given to aggregated workers."""
    agg_workers: PositiveInt | None = None
    """How many aggregated workers to run."""
    gpus_per_prefill: PositiveInt | None = None
    """GPUs per prefill worker; by default the prefill nodes' GPUs divided evenly among the workers."""
    gpus_per_decode: PositiveInt | None = None
    """GPUs per decode worker; by default the decode nodes' GPUs divided evenly (with decode_nodes 0:
    the prefill workers' count)."""
    gpus_per_agg: PositiveInt | None = None
    """GPUs per aggregated worker; by default the nodes' GPUs divided evenly among the workers."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SlurmConfig:
    """Where and for how long the job runs, and extra options for sbatch and srun."""

    __pydantic_config__ = _STRICT

    account: str | None = None
    """The SLURM account to charge (cluster default otherwise)."""
    partition: str | None = None
    """The SLURM partition (cluster default otherwise)."""
    time_limit: TimeLimit | None = None
    """The job's time limit, e.g. ``04:00:00`` or ``1-00:00:00`` (cluster default otherwise)."""
    sbatch_directives: OptionMap = field(default_factory=dict)
    """Extra ``#SBATCH --name=value`` lines, e.g. ``{qos: high, exclusive: true}``."""
    srun_options: OptionMap = field(default_factory=dict)
    """Extra ``--name=value`` options on every srun srtctl starts (workers, frontends), e.g. ``{cpu-bind: none}``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RoleConfig:
    """Engine flags and environment for the workers of one role."""

    __pydantic_config__ = _STRICT

    args: FlagMap = field(default_factory=dict)
    """Engine flags, e.g. ``{tp-size: 8, mem-fraction-static: 0.85, trust-remote-code: true}``. Flags srtctl
    sets itself (ports, host, disaggregation mode, node rank, model path) are refused."""
    environment: Environment = field(default_factory=dict)
    """Environment variables for these workers only."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BackendConfig:
    """The inference engine the workers run and its per-role flags."""

    __pydantic_config__ = _STRICT

    type: BackendType = "sglang"
    """``sglang`` (SGLang servers), ``dynamo`` (Dynamo's SGLang workers) or ``mock`` (srtctl's mock engine)."""
    prefill: RoleConfig = field(default_factory=RoleConfig)
    """Flags and environment of prefill workers."""
    decode: RoleConfig = field(default_factory=RoleConfig)
    """Flags and environment of decode workers."""
    aggregated: RoleConfig = field(default_factory=RoleConfig)
    """Flags and environment of aggregated workers."""
    request_plane: Literal["tcp", "nats", "http"] | None = None
    """Dynamo only: how the frontend reaches the workers (Dynamo's default, tcp, when not set)."""
    event_plane: Literal["nats", "zmq"] | None = None
    """Dynamo only: how KV events travel (none when not set)."""

    def role(self, role: Role) -> RoleConfig:
        """The flags and environment of ``role``."""
        return {"prefill": self.prefill, "decode": self.decode, "aggregated": self.aggregated}[role]


@dataclass(frozen=True, slots=True, kw_only=True)
class FrontendConfig:
    """The public endpoint in front of the workers."""

    __pydantic_config__ = _STRICT

    type: FrontendType | None = None
    """``sglang-router`` or ``dynamo``; by default the one that fits the backend."""
    count: PositiveInt = 1
    """How many frontends to run, one per node, starting at the head node."""
    args: FlagMap = field(default_factory=dict)
    """Extra frontend flags, e.g. ``{policy: round_robin}``; flags srtctl sets itself are refused."""
    environment: Environment = field(default_factory=dict)
    """Environment variables for the frontends only."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BenchmarkConfig:
    """The benchmark that runs once the deployment is healthy."""

    __pydantic_config__ = _STRICT

    type: BenchmarkType = "none"
    """``none`` keeps the deployment up until cancelled; ``serving`` is srtctl's own load generator;
    ``sglang-bench``, ``aiperf``, ``mmlu``, ``gpqa``, ``gsm8k`` run those tools; ``custom`` runs ``command``."""
    isl: PositiveInt | None = None
    """Input sequence length in tokens (serving benchmarks)."""
    osl: PositiveInt | None = None
    """Output sequence length in tokens (serving benchmarks)."""
    concurrencies: Annotated[
        tuple[PositiveInt, ...], BeforeValidator(_concurrencies, json_schema_input_type=list[int] | str | int)
    ] = ()
    """Concurrency levels to run, as a list or ``16x32x64``."""
    request_rate: Annotated[
        Annotated[float, Field(gt=0)] | None,
        BeforeValidator(_request_rate, json_schema_input_type=float | Literal["inf"] | None),
    ] = None
    """Requests per second; ``inf`` or null sends as fast as the concurrency allows."""
    num_prompts: PositiveInt | None = None
    """Requests per concurrency level (by default ten times the concurrency)."""
    warmup_requests: NonNegativeInt = 0
    """Requests sent before measuring."""
    max_error_rate: Annotated[float, Field(ge=0, le=1)] = 0.0
    """The share of failed requests above which the run fails its validity gate."""
    ttft_limit_ms: Annotated[float, Field(gt=0)] | None = None
    """Goodput: a request counts only if its time to first token is within this limit."""
    itl_limit_ms: Annotated[float, Field(gt=0)] | None = None
    """Goodput: a request counts only if its inter-token latency is within this limit."""
    num_examples: PositiveInt | None = None
    """Accuracy benchmarks: how many examples to evaluate (all by default)."""
    command: str | None = None
    """``custom`` only: the shell command to run."""
    args: FlagMap = field(default_factory=dict)
    """Extra flags passed to the benchmark tool."""
    environment: Environment = field(default_factory=dict)
    """Environment variables for the benchmark only."""


@dataclass(frozen=True, slots=True, kw_only=True)
class HealthCheckConfig:
    """How long to wait for every worker to register with the frontend."""

    __pydantic_config__ = _STRICT

    timeout_seconds: Annotated[float, Field(gt=0)] = 1800.0
    """Give up (and fail the job) after this many seconds."""
    interval_seconds: Annotated[float, Field(gt=0)] = 10.0
    """Poll the frontend this often."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SweepConfig:
    """Variants of one job: every ``{name}`` placeholder in the file takes each value in turn."""

    __pydantic_config__ = _STRICT

    grid: Mapping[
        Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")], Annotated[list[Any], Field(min_length=1)]
    ] = field(default_factory=dict)
    """Parameters combined in every combination (a Cartesian product)."""
    zip: Mapping[
        Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")], Annotated[list[Any], Field(min_length=1)]
    ] = field(default_factory=dict)
    """Parameters taken together, position by position; every list must have the same length."""


@dataclass(frozen=True, slots=True, kw_only=True)
class JobConfig:
    """One job: a disaggregated (prefill/decode) or aggregated deployment, its frontend and its benchmark."""

    __pydantic_config__ = _STRICT

    name: JobName
    """The job's name (SLURM job name, and the stem of its run name)."""
    model: ModelConfig
    """The model and the container."""
    resources: ResourcesConfig
    """Nodes, workers and GPUs."""
    slurm: SlurmConfig = field(default_factory=SlurmConfig)
    """Account, partition, time limit and extra sbatch/srun options."""
    backend: BackendConfig = field(default_factory=BackendConfig)
    """The inference engine and its per-role flags."""
    frontend: FrontendConfig = field(default_factory=FrontendConfig)
    """The router or frontend in front of the workers."""
    benchmark: BenchmarkConfig = field(default_factory=BenchmarkConfig)
    """What to run against the deployment once it is healthy."""
    health_check: HealthCheckConfig = field(default_factory=HealthCheckConfig)
    """How long to wait for the deployment to become healthy."""
    environment: Environment = field(default_factory=dict)
    """Environment variables for every process."""
    container_mounts: Mounts = field(default_factory=dict)
    """Extra container mounts, host path to container path."""

    @property
    def frontend_type(self) -> FrontendType:
        """The frontend that runs: the configured one, or the one that fits the backend."""
        if self.frontend.type is not None:
            return self.frontend.type
        return "dynamo" if self.backend.type == "dynamo" else "sglang-router"
