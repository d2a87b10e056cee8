"""`runpod pod`: list, get, create, stop, resume and terminate pods; ssh, exec and sync over SSH."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Annotated

import typer

from . import _render
from ._errors import EXIT_USAGE, CliError
from ._options import JsonFlag, YesFlag, delete_confirmed, parse_env
from ._state import State

if TYPE_CHECKING:
    from .._client import Runpod
    from ..types import CloudType, Pod
    from ._remote import Session

__all__ = ("app",)

app = typer.Typer(help="GPU and CPU pods: create them, start and stop them, reach them over SSH.", no_args_is_help=True)

DEFAULT_PORTS = "22/tcp"


class Cloud(enum.StrEnum):
    """Where a pod may run."""

    ALL = "all"
    SECURE = "secure"
    COMMUNITY = "community"


_CLOUD_TYPES: dict[Cloud, CloudType] = {Cloud.ALL: "ALL", Cloud.SECURE: "SECURE", Cloud.COMMUNITY: "COMMUNITY"}


PodId = Annotated[str, typer.Argument(metavar="POD_ID", help="The pod's id (`runpod pod list`).")]
WaitFlag = Annotated[bool, typer.Option("--wait", "-w", help="Wait until the pod runs, with a spinner.")]
WaitTimeout = Annotated[
    float, typer.Option("--timeout", min=0, metavar="SECONDS", help="With --wait: give up after this long.")
]
PollInterval = Annotated[
    float, typer.Option("--poll-interval", min=0.01, metavar="SECONDS", help="With --wait: check this often.")
]


def _ssh_address(pod: Pod) -> str:
    address = pod.public_address(22)
    return f"{address[0]}:{address[1]}" if address else ""


def _gpu(pod: Pod) -> str:
    name = pod.machine.gpu_display_name if pod.machine else None
    if not pod.gpu_count:
        return "CPU"
    return f"{pod.gpu_count} x {name}" if name else str(pod.gpu_count)


def _show(state: State, pod: Pod, json_: bool) -> None:
    if state.wants_json(json_):
        _render.print_json(pod)
        return
    _render.details(
        [
            ("id", pod.id),
            ("name", pod.name),
            ("status", pod.desired_status),
            ("running", pod.is_running),
            ("gpu", _gpu(pod)),
            ("vcpus", pod.vcpu_count),
            ("memory GB", pod.memory_in_gb),
            ("image", pod.image_name),
            ("template", pod.template_id),
            ("$/hour", pod.cost_per_hr),
            ("container disk GB", pod.container_disk_in_gb),
            ("volume GB", pod.volume_in_gb),
            ("volume path", pod.volume_mount_path),
            ("network volume", pod.network_volume_id),
            ("ports", pod.ports),
            ("ssh", _ssh_address(pod)),
            ("env", ", ".join(f"{k}={_render.HIDDEN}" for k in pod.env)),
            ("uptime s", pod.uptime_seconds),
            ("last change", pod.last_status_change),
        ]
    )


def _wait(client: Runpod, pod_id: str, timeout: float, poll_interval: float) -> Pod:
    interrupted = f"stopped waiting; pod {pod_id} goes on starting (`runpod pod get {pod_id}`)"
    with _render.progress(f"Waiting for pod {pod_id} to run", on_interrupt=interrupted):
        return client.pods.wait_until_running(pod_id, max_wait=timeout, poll_interval=poll_interval)


@app.command("list")
def list_pods(ctx: typer.Context, json_: JsonFlag = False) -> None:
    """List the account's pods."""
    state = State.of(ctx)
    _render.listing(
        state.wants_json(json_),
        state.client().pods.list(),
        ["ID", "NAME", "STATUS", "GPU", "IMAGE", "$/H", "SSH"],
        lambda p: (p.id, p.name, p.desired_status, _gpu(p), p.image_name, p.cost_per_hr, _ssh_address(p)),
        empty="no pods",
    )


@app.command("get")
def get_pod(ctx: typer.Context, pod_id: PodId, json_: JsonFlag = False) -> None:
    """Show one pod."""
    state = State.of(ctx)
    _show(state, state.client().pods.get(pod_id), json_)


@app.command("create")
def create_pod(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The pod's name.")],
    image: Annotated[str | None, typer.Option("--image", "-i", help="The container image.")] = None,
    template: Annotated[
        str | None, typer.Option("--template", "-t", metavar="ID", help="Start from this template.")
    ] = None,
    gpu_type: Annotated[
        str | None, typer.Option("--gpu-type", "-g", metavar="ID", help="A GPU pod of this type (`runpod gpu list`).")
    ] = None,
    cpu: Annotated[
        str | None, typer.Option("--cpu", metavar="INSTANCE", help="A CPU pod of this instance, e.g. cpu3c-2-4.")
    ] = None,
    gpu_count: Annotated[int | None, typer.Option("--gpu-count", min=1, help="GPUs to attach (default 1).")] = None,
    cloud: Annotated[Cloud | None, typer.Option("--cloud", help="Which cloud (default: all).")] = None,
    ports: Annotated[
        list[str] | None,
        typer.Option("--ports", metavar="PORTS", help="Ports to expose, e.g. 22/tcp,8888/http (default 22/tcp)."),
    ] = None,
    env: Annotated[
        list[str] | None, typer.Option("--env", "-e", metavar="KEY=VALUE", help="An environment variable (repeat).")
    ] = None,
    container_disk: Annotated[int | None, typer.Option("--disk", min=1, metavar="GB", help="Container disk.")] = None,
    volume_size: Annotated[int | None, typer.Option("--volume-size", min=0, metavar="GB", help="Pod volume.")] = None,
    volume_path: Annotated[str | None, typer.Option("--volume-path", help="Where the volume is mounted.")] = None,
    network_volume: Annotated[str | None, typer.Option("--network-volume", metavar="ID", help="Mount it.")] = None,
    data_center: Annotated[str | None, typer.Option("--data-center", metavar="ID", help="e.g. EU-RO-1.")] = None,
    country: Annotated[str | None, typer.Option("--country", metavar="CODE", help="Deploy in this country.")] = None,
    min_vcpus: Annotated[int | None, typer.Option("--min-vcpus", min=1, help="At least this many vCPUs.")] = None,
    min_memory: Annotated[
        int | None, typer.Option("--min-memory", min=1, metavar="GB", help="At least this RAM.")
    ] = None,
    cuda: Annotated[
        list[str] | None, typer.Option("--cuda", metavar="VERSION", help="An allowed CUDA version (repeat).")
    ] = None,
    registry_auth: Annotated[
        str | None, typer.Option("--registry-auth", metavar="ID", help="Credentials for a private image.")
    ] = None,
    docker_args: Annotated[str | None, typer.Option("--docker-args", help="The container's start command.")] = None,
    public_ip: Annotated[bool | None, typer.Option("--public-ip/--no-public-ip", help="Ask for a public IP.")] = None,
    start_ssh: Annotated[bool | None, typer.Option("--ssh/--no-ssh", help="Start an SSH server (default yes).")] = None,
    jupyter: Annotated[bool | None, typer.Option("--jupyter/--no-jupyter", help="Start Jupyter.")] = None,
    wait: WaitFlag = False,
    timeout: WaitTimeout = 600.0,
    poll_interval: PollInterval = 5.0,
    json_: JsonFlag = False,
) -> None:
    """Create a GPU pod (--gpu-type) or a CPU pod (--cpu) from an image or a template.

    Every option is sent as given: nothing is asked and nothing is replaced by a default pod.
    """
    if (gpu_type is None) == (cpu is None):
        raise CliError("give exactly one of --gpu-type (a GPU pod) or --cpu (a CPU pod)", EXIT_USAGE)
    if image is None and template is None:
        raise CliError("give --image or --template", EXIT_USAGE)
    state = State.of(ctx)
    client = state.client()
    pod = client.pods.create(
        name=name,
        image_name=image,
        template_id=template,
        gpu_type_id=gpu_type,
        instance_id=cpu,
        gpu_count=gpu_count,
        cloud_type=_CLOUD_TYPES[cloud] if cloud else None,
        support_public_ip=public_ip,
        start_ssh=start_ssh,
        start_jupyter=jupyter,
        data_center_id=data_center,
        country_code=country,
        volume_in_gb=volume_size,
        container_disk_in_gb=container_disk,
        min_vcpu_count=min_vcpus,
        min_memory_in_gb=min_memory,
        docker_args=docker_args,
        ports=",".join(ports) if ports else (None if template else DEFAULT_PORTS),
        volume_mount_path=volume_path,
        env=parse_env(env),
        network_volume_id=network_volume,
        allowed_cuda_versions=cuda,
        container_registry_auth_id=registry_auth,
    )
    if wait:
        pod = _wait(client, pod.id, timeout, poll_interval)
    if state.wants_json(json_):
        _render.print_json(pod)
        return
    _render.say(f"Created pod {pod.id} ({name}), {'running' if pod.is_running else 'starting'}.")
    if not wait:
        _render.say(f"Wait for it with `runpod pod get {pod.id}`, then `runpod pod ssh {pod.id}`.")


@app.command("stop")
def stop_pod(ctx: typer.Context, pod_id: PodId, json_: JsonFlag = False) -> None:
    """Stop a pod; its volume is kept, and `runpod pod resume` starts it again."""
    state = State.of(ctx)
    pod = state.client().pods.stop(pod_id)
    if state.wants_json(json_):
        _render.print_json(pod)
    else:
        _render.say(f"Stopped pod {pod_id} (status {pod.desired_status}).")


@app.command("resume")
def resume_pod(
    ctx: typer.Context,
    pod_id: PodId,
    gpu_count: Annotated[int | None, typer.Option("--gpu-count", min=1, help="Default: as many as before.")] = None,
    wait: WaitFlag = False,
    timeout: WaitTimeout = 600.0,
    poll_interval: PollInterval = 5.0,
    json_: JsonFlag = False,
) -> None:
    """Start a stopped pod again."""
    state = State.of(ctx)
    client = state.client()
    pod = client.pods.resume(pod_id, gpu_count=gpu_count)
    if wait:
        pod = _wait(client, pod_id, timeout, poll_interval)
    if state.wants_json(json_):
        _render.print_json(pod)
    else:
        _render.say(f"Resumed pod {pod_id}, {'running' if pod.is_running else 'starting'}.")


@app.command("terminate")
def terminate_pod(ctx: typer.Context, pod_id: PodId, yes: YesFlag = False, json_: JsonFlag = False) -> None:
    """Delete a pod and its volume (asks first, unless --yes)."""
    state = State.of(ctx)
    terminate = state.client().pods.terminate
    delete_confirmed(
        state.wants_json(json_), yes, "pod", pod_id, terminate, verb="terminate", warning=" and delete its volume"
    )


# -- over SSH ------------------------------------------------------------------------------------------------

UserOption = Annotated[str, typer.Option("--user", "-u", help="The user to log in as.")]
IdentityOption = Annotated[
    list[str] | None,
    typer.Option(
        "--identity", "-I", metavar="PATH", help="A private key to use (default: the account's, found locally)."
    ),
]
AcceptNewOption = Annotated[
    bool,
    typer.Option(
        "--accept-new-host-key",
        help="Trust the pod's host key if it is not known yet (a changed key is always refused).",
    ),
]
ConnectTimeout = Annotated[
    float, typer.Option("--connect-timeout", min=1, metavar="SECONDS", help="SSH connect time limit.")
]


def _session(
    ctx: typer.Context, pod_id: str, user: str, identity: list[str] | None, accept_new: bool, connect_timeout: float
) -> Session:
    from ._remote import open_session

    return open_session(
        State.of(ctx).client(),
        pod_id,
        user=user,
        identities=identity or [],
        accept_new_host_key=accept_new,
        connect_timeout=connect_timeout,
    )


@app.command("ssh")
def ssh_pod(
    ctx: typer.Context,
    pod_id: PodId,
    user: UserOption = "root",
    identity: IdentityOption = None,
    accept_new_host_key: AcceptNewOption = False,
    connect_timeout: ConnectTimeout = 15.0,
) -> None:
    """Open a shell on a pod, over SSH with its host key checked."""
    with _session(ctx, pod_id, user, identity, accept_new_host_key, connect_timeout) as session:
        code = session.shell()
    raise typer.Exit(code)


@app.command(
    "exec",
    context_settings={"allow_interspersed_args": False},
)
def exec_pod(
    ctx: typer.Context,
    pod_id: PodId,
    command: Annotated[list[str], typer.Argument(metavar="COMMAND...", help="The command and its arguments.")],
    cwd: Annotated[str | None, typer.Option("--cwd", metavar="DIR", help="Run it in this directory.")] = None,
    user: UserOption = "root",
    identity: IdentityOption = None,
    accept_new_host_key: AcceptNewOption = False,
    connect_timeout: ConnectTimeout = 15.0,
) -> None:
    """Run a command on a pod and exit with its status.

    Options go before POD_ID; everything after it is the command. Each word is passed as one argument,
    quoted: use `bash -c '...'` for pipes and globs.
    Example: `runpod pod exec --cwd /workspace POD_ID python train.py --epochs 3`
    """
    if command[:1] == ["--"]:
        command = command[1:]  # `runpod pod exec POD_ID -- cmd`: the options ended at POD_ID already
    if not command:
        raise CliError("give the command to run after the pod id", EXIT_USAGE)
    with _session(ctx, pod_id, user, identity, accept_new_host_key, connect_timeout) as session:
        code = session.exec(command, cwd=cwd)
    raise typer.Exit(code)


@app.command("sync")
def sync_pod(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(metavar="SOURCE", help="A local path, or POD_ID:PATH.")],
    destination: Annotated[str, typer.Argument(metavar="DEST", help="A local path, or POD_ID:PATH.")],
    exclude: Annotated[
        list[str] | None, typer.Option("--exclude", "-x", metavar="PATTERN", help="Leave out matching names (repeat).")
    ] = None,
    user: UserOption = "root",
    identity: IdentityOption = None,
    accept_new_host_key: AcceptNewOption = False,
    connect_timeout: ConnectTimeout = 15.0,
    json_: JsonFlag = False,
) -> None:
    """Copy a file or directory to a pod, from a pod, or between two pods.

    DEST becomes the copy of SOURCE (a directory's contents land in DEST). `POD_ID:` alone means /workspace.
    Examples: `runpod pod sync ./data abc123:/workspace/data`, `runpod pod sync abc123:/workspace/out ./out`
    """
    from ._remote import Location, sync

    state = State.of(ctx)
    src, dst = Location.parse(source), Location.parse(destination)
    summary = sync(
        state.client(),
        src,
        dst,
        excludes=exclude or [],
        user=user,
        identities=identity or [],
        accept_new_host_key=accept_new_host_key,
        connect_timeout=connect_timeout,
    )
    if state.wants_json(json_):
        _render.print_json(summary)
    else:
        _render.say(f"Copied {summary.files} files ({summary.bytes} bytes) from {source} to {destination}.")
