"""`runpod endpoint`: configure serverless endpoints, and run jobs on them."""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any

import typer

from . import _render
from ._errors import EXIT_FAILURE, EXIT_TIMEOUT, EXIT_USAGE, CliError
from ._options import JsonFlag, YesFlag, confirm_or_refuse, delete_confirmed, parse_env, read_json_input
from ._state import State

if TYPE_CHECKING:
    from ..serverless import Job, JobState
    from ..types import ServerlessEndpoint

__all__ = ("app",)

app = typer.Typer(help="Serverless endpoints: their settings, and the jobs they run.", no_args_is_help=True)


class Scaler(enum.StrEnum):
    """How an endpoint scales."""

    QUEUE_DELAY = "queue-delay"
    REQUEST_COUNT = "request-count"


class EndpointKind(enum.StrEnum):
    """Queue-based or load-balanced."""

    QB = "qb"
    LB = "lb"


EndpointId = Annotated[str, typer.Argument(metavar="ENDPOINT_ID", help="The endpoint's id (`runpod endpoint list`).")]
JobId = Annotated[str, typer.Argument(metavar="JOB_ID", help="The job's id (printed by `runpod endpoint run`).")]
JobTimeout = Annotated[
    float | None, typer.Option("--timeout", min=0, metavar="SECONDS", help="Give up waiting after this long.")
]

# Options of both `create` and `update`; on `update`, only those given change.
GpuOption = Annotated[
    list[str] | None, typer.Option("--gpu", metavar="POOL", help="A GPU pool such as AMPERE_16 or ADA_24 (repeat).")
]
CpuOption = Annotated[
    list[str] | None, typer.Option("--cpu", metavar="INSTANCE", help="A CPU instance such as cpu3c-2-4 (repeat).")
]
GpuCountOption = Annotated[int | None, typer.Option("--gpu-count", min=1, help="GPUs per worker.")]
WorkersMinOption = Annotated[int | None, typer.Option("--workers-min", min=0, help="Workers kept running.")]
WorkersMaxOption = Annotated[int | None, typer.Option("--workers-max", min=0, help="The most workers at once.")]
IdleOption = Annotated[
    int | None, typer.Option("--idle-timeout", min=0, metavar="SECONDS", help="How long an idle worker stays.")
]
ScalerOption = Annotated[Scaler | None, typer.Option("--scaler", help="Scale by queue delay or request count.")]
ScalerValueOption = Annotated[int | None, typer.Option("--scaler-value", min=1, help="The scaler's target.")]
FlashbootOption = Annotated[
    bool | None, typer.Option("--flashboot/--no-flashboot", help="Start workers from snapshots.")
]
VolumeOption = Annotated[
    list[str] | None, typer.Option("--network-volume", metavar="ID", help="A network volume to mount (repeat).")
]
LocationsOption = Annotated[
    str | None, typer.Option("--locations", metavar="IDS", help="Data centers, comma-separated (e.g. EU-RO-1).")
]
CudaOption = Annotated[
    list[str] | None, typer.Option("--cuda", metavar="VERSION", help="An allowed CUDA version (repeat).")
]
MinCudaOption = Annotated[str | None, typer.Option("--min-cuda", metavar="VERSION", help="The oldest CUDA version.")]
ExecTimeoutOption = Annotated[
    int | None, typer.Option("--execution-timeout", min=1, metavar="SECONDS", help="The longest a job may run.")
]
KindOption = Annotated[EndpointKind | None, typer.Option("--type", help="Queue-based (qb) or load-balanced (lb).")]
EnvOption = Annotated[
    list[str] | None, typer.Option("--env", "-e", metavar="KEY=VALUE", help="An environment variable (repeat).")
]


def _settings(options: Mapping[str, Any]) -> dict[str, Any]:
    """The library's arguments for the options that were given (`options`: the command's `locals()`)."""
    gpu, cpu, scaler, kind = options["gpu"], options["cpu"], options["scaler"], options.get("kind")
    execution_timeout, network_volume = options["execution_timeout"], options["network_volume"]
    values: dict[str, Any] = {
        "gpu_ids": gpu,
        "instance_ids": cpu,
        "gpu_count": options["gpu_count"],
        "workers_min": options["workers_min"],
        "workers_max": options["workers_max"],
        "idle_timeout": options["idle_timeout"],
        "scaler_type": scaler.name if scaler else None,
        "scaler_value": options["scaler_value"],
        "flashboot": options["flashboot"],
        "locations": options["locations"],
        "allowed_cuda_versions": options["cuda"],
        "min_cuda_version": options["min_cuda"],
        "execution_timeout_ms": execution_timeout * 1000 if execution_timeout is not None else None,
        "endpoint_type": kind.name if kind else None,
        "env": parse_env(options["env"]),
    }
    if network_volume:
        values["network_volume_ids" if len(network_volume) > 1 else "network_volume_id"] = (
            network_volume if len(network_volume) > 1 else network_volume[0]
        )
    return {k: v for k, v in values.items() if v is not None}


def _show(state: State, endpoint: ServerlessEndpoint, json_: bool) -> None:
    if state.wants_json(json_):
        _render.print_json(endpoint)
        return
    _render.details(
        [
            ("id", endpoint.id),
            ("name", endpoint.name),
            ("template", endpoint.template_id),
            ("gpus", endpoint.gpu_ids),
            ("cpus", ", ".join(endpoint.instance_ids or [])),
            ("gpu count", endpoint.gpu_count),
            ("workers", f"{endpoint.workers_min}..{endpoint.workers_max}"),
            ("idle timeout s", endpoint.idle_timeout),
            ("scaler", f"{endpoint.scaler_type} {endpoint.scaler_value}"),
            ("flashboot", endpoint.flash_boot_type),
            ("type", endpoint.type),
            ("locations", endpoint.locations),
            ("network volume", endpoint.network_volume_id),
            ("cuda", endpoint.allowed_cuda_versions),
            ("execution timeout ms", endpoint.execution_timeout_ms),
            ("env", ", ".join(f"{k}={_render.HIDDEN}" for k in endpoint.env)),
        ]
    )


@app.command("list")
def list_endpoints(ctx: typer.Context, json_: JsonFlag = False) -> None:
    """List the account's serverless endpoints."""
    state = State.of(ctx)
    _render.listing(
        state.wants_json(json_),
        state.client().endpoints.list(),
        ["ID", "NAME", "TEMPLATE", "GPUS/CPUS", "WORKERS"],
        lambda e: (
            e.id,
            e.name,
            e.template_id,
            e.gpu_ids or ",".join(e.instance_ids or []),
            f"{e.workers_min}..{e.workers_max}",
        ),
        empty="no endpoints",
    )


@app.command("get")
def get_endpoint(ctx: typer.Context, endpoint_id: EndpointId, json_: JsonFlag = False) -> None:
    """Show one endpoint's settings."""
    state = State.of(ctx)
    _show(state, state.client().endpoints.get(endpoint_id), json_)


@app.command("create")
def create_endpoint(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The endpoint's name.")],
    template: Annotated[str, typer.Option("--template", "-t", metavar="ID", help="The serverless template to run.")],
    gpu: GpuOption = None,
    cpu: CpuOption = None,
    gpu_count: GpuCountOption = None,
    workers_min: WorkersMinOption = None,
    workers_max: WorkersMaxOption = None,
    idle_timeout: IdleOption = None,
    scaler: ScalerOption = None,
    scaler_value: ScalerValueOption = None,
    flashboot: FlashbootOption = None,
    network_volume: VolumeOption = None,
    locations: LocationsOption = None,
    cuda: CudaOption = None,
    min_cuda: MinCudaOption = None,
    execution_timeout: ExecTimeoutOption = None,
    kind: KindOption = None,
    env: EnvOption = None,
    json_: JsonFlag = False,
) -> None:
    """Create a serverless endpoint that runs workers from a template, on GPU pools (--gpu) or CPUs (--cpu)."""
    if not gpu and not cpu:
        raise CliError("give --gpu POOL (e.g. AMPERE_16) or --cpu INSTANCE (e.g. cpu3c-2-4)", EXIT_USAGE)
    state = State.of(ctx)
    values = _settings(locals())
    endpoint = state.client().endpoints.create(name=name, template_id=template, **values)
    message = f"Created endpoint {endpoint.id} ({name}): run a job with `runpod endpoint run {endpoint.id}`."
    _render.report(state.wants_json(json_), endpoint, message)


@app.command("update")
def update_endpoint(
    ctx: typer.Context,
    endpoint_id: EndpointId,
    name: Annotated[str | None, typer.Option("--name", help="A new name.")] = None,
    template: Annotated[str | None, typer.Option("--template", "-t", metavar="ID", help="Run this template.")] = None,
    gpu: GpuOption = None,
    cpu: CpuOption = None,
    gpu_count: GpuCountOption = None,
    workers_min: WorkersMinOption = None,
    workers_max: WorkersMaxOption = None,
    idle_timeout: IdleOption = None,
    scaler: ScalerOption = None,
    scaler_value: ScalerValueOption = None,
    flashboot: FlashbootOption = None,
    network_volume: VolumeOption = None,
    locations: LocationsOption = None,
    cuda: CudaOption = None,
    min_cuda: MinCudaOption = None,
    execution_timeout: ExecTimeoutOption = None,
    env: EnvOption = None,
    json_: JsonFlag = False,
) -> None:
    """Change some of an endpoint's settings; the others stay as they are."""
    state = State.of(ctx)
    values = _settings(locals())
    if name is not None:
        values["name"] = name
    if template is not None:
        values["template_id"] = template
    if not values:
        raise CliError("give at least one setting to change (see `runpod endpoint update --help`)", EXIT_USAGE)
    endpoint = state.client().endpoints.update(endpoint_id, **values)
    _render.report(state.wants_json(json_), endpoint, f"Updated endpoint {endpoint_id}: {', '.join(sorted(values))}.")


@app.command("delete")
def delete_endpoint(ctx: typer.Context, endpoint_id: EndpointId, yes: YesFlag = False, json_: JsonFlag = False) -> None:
    """Delete an endpoint (scaled to zero workers first; asks first, unless --yes)."""
    state = State.of(ctx)
    delete_confirmed(state.wants_json(json_), yes, "endpoint", endpoint_id, state.client().endpoints.delete)


# -- jobs ------------------------------------------------------------------------------------------------------


def _state_json(job: Job) -> dict[str, Any]:
    state = job.last_state
    return {"id": job.id, "status": None} if state is None else _render.jsonable(state)


def _print_output(output: Any) -> None:
    _render.say(output if isinstance(output, str) else json.dumps(output, indent=2, ensure_ascii=False))


def _show_state(state: JobState) -> None:
    _render.details(
        [
            ("id", state.id),
            ("status", str(state.status)),
            ("queued ms", state.delay_ms),
            ("ran ms", state.execution_ms),
            ("worker", state.worker_id),
            ("error", state.error),
            ("output", state.output),
        ]
    )


def _interrupted(endpoint_id: str, job_id: str) -> str:
    return (
        f"stopped waiting; job {job_id} goes on: `runpod endpoint status {endpoint_id} {job_id}`, "
        f"or cancel it with `runpod endpoint cancel {endpoint_id} {job_id}`"
    )


@app.command("run")
def run_job(
    ctx: typer.Context,
    endpoint_id: EndpointId,
    input_: Annotated[
        str, typer.Option("--input", "-i", metavar="JSON", help="The job's input: JSON text, @FILE, or - for stdin.")
    ] = "{}",
    no_wait: Annotated[bool, typer.Option("--no-wait", help="Submit the job and print its id; do not wait.")] = False,
    timeout: JobTimeout = None,
    webhook: Annotated[str | None, typer.Option("--webhook", metavar="URL", help="Post the result here.")] = None,
    execution_timeout: Annotated[
        float | None, typer.Option("--execution-timeout", min=0.001, metavar="SECONDS", help="Stop the job after this.")
    ] = None,
    ttl: Annotated[
        float | None, typer.Option("--ttl", min=0.001, metavar="SECONDS", help="Drop the job if not done by then.")
    ] = None,
    low_priority: Annotated[bool, typer.Option("--low-priority", help="Queue behind other jobs.")] = False,
    json_: JsonFlag = False,
) -> None:
    """Run a job on an endpoint and print its output, with a spinner while it waits.

    Example: `runpod endpoint run abc123 --input '{"prompt": "hello"}'`
    """
    from ..serverless import JobPolicy

    state = State.of(ctx)
    payload = read_json_input(input_)
    policy = None
    if execution_timeout is not None or ttl is not None or low_priority:
        policy = JobPolicy(execution_timeout=execution_timeout, ttl=ttl, low_priority=low_priority or None)
    endpoint = state.endpoint(endpoint_id)
    job = endpoint.run(payload, webhook=webhook, policy=policy)
    if no_wait:
        if state.wants_json(json_):
            _render.print_json(_state_json(job))
        else:
            _render.say(
                f"Submitted job {job.id}: follow it with `runpod endpoint status {endpoint_id} {job.id} --wait`."
            )
        return
    from .._exceptions import JobError

    waiting = f"Job {job.id} on endpoint {endpoint_id}: waiting for its output"
    with _render.progress(waiting, on_interrupt=_interrupted(endpoint_id, job.id)):
        try:
            output = job.output(timeout=timeout)
        except JobError:
            if state.wants_json(json_):
                _render.print_json(_state_json(job))
            raise
    if state.wants_json(json_):
        _render.print_json(_state_json(job))
    else:
        _print_output(output)


_EXIT_BY_STATUS = {"COMPLETED": 0, "FAILED": EXIT_FAILURE, "CANCELLED": EXIT_FAILURE, "TIMED_OUT": EXIT_TIMEOUT}


@app.command("status")
def job_status(
    ctx: typer.Context,
    endpoint_id: EndpointId,
    job_id: JobId,
    wait: Annotated[
        bool, typer.Option("--wait", "-w", help="Wait until the job ends; exit 0 only if it COMPLETED.")
    ] = False,
    timeout: JobTimeout = None,
    json_: JsonFlag = False,
) -> None:
    """Show a job's status, output or error."""
    from .._exceptions import JobError

    state = State.of(ctx)
    job = state.endpoint(endpoint_id).job(job_id)
    if wait:
        waiting = f"Job {job_id} on endpoint {endpoint_id}: waiting for it to end"
        with _render.progress(waiting, on_interrupt=_interrupted(endpoint_id, job_id)):
            try:
                job.output(timeout=timeout)
            except JobError:
                # A job that ended badly is shown below with its status; a wait that ran out is an error.
                if job.last_state is None or not job.last_state.is_terminal:
                    raise
    job_state = job.fetch()
    if state.wants_json(json_):
        _render.print_json(job_state)
    else:
        _show_state(job_state)
    if wait:
        raise typer.Exit(_EXIT_BY_STATUS.get(str(job_state.status), EXIT_FAILURE))


@app.command("stream")
def stream_job(
    ctx: typer.Context, endpoint_id: EndpointId, job_id: JobId, timeout: JobTimeout = None, json_: JsonFlag = False
) -> None:
    """Print a job's streamed output as it arrives (one line per chunk), until the job ends."""
    state = State.of(ctx)
    job = state.endpoint(endpoint_id).job(job_id)
    as_json = state.wants_json(json_)
    streaming = f"Streaming job {job_id} on endpoint {endpoint_id}"
    with _render.progress(streaming, on_interrupt=_interrupted(endpoint_id, job_id)) as spinner:
        for chunk in job.stream(timeout=timeout):
            spinner.line(chunk if isinstance(chunk, str) and not as_json else json.dumps(chunk, ensure_ascii=False))


@app.command("cancel")
def cancel_job(ctx: typer.Context, endpoint_id: EndpointId, job_id: JobId, json_: JsonFlag = False) -> None:
    """Cancel a job that has not finished."""
    state = State.of(ctx)
    job = state.endpoint(endpoint_id).job(job_id)
    status = job.cancel()
    if state.wants_json(json_):
        _render.print_json(_state_json(job))
    else:
        _render.say(f"Job {job_id} is {status}.")


@app.command("health")
def endpoint_health(ctx: typer.Context, endpoint_id: EndpointId, json_: JsonFlag = False) -> None:
    """Show an endpoint's jobs and workers, counted by state."""
    state = State.of(ctx)
    health = state.endpoint(endpoint_id).health()
    if state.wants_json(json_):
        _render.print_json(health)
        return

    def counts(section: object) -> str:
        return ", ".join(f"{name.replace('_', ' ')} {count}" for name, count in _render.jsonable(section).items())

    _render.details([("jobs", counts(health.jobs)), ("workers", counts(health.workers))])


@app.command("purge-queue")
def purge_queue(ctx: typer.Context, endpoint_id: EndpointId, yes: YesFlag = False, json_: JsonFlag = False) -> None:
    """Remove every job still waiting in an endpoint's queue (running jobs go on; asks first, unless --yes)."""
    state = State.of(ctx)
    confirm_or_refuse(f"remove every queued job of endpoint {endpoint_id}", yes)
    result = state.endpoint(endpoint_id).purge_queue()
    if state.wants_json(json_):
        _render.print_json(result)
    else:
        _render.say(f"Removed {result.removed} queued jobs from endpoint {endpoint_id}.")
