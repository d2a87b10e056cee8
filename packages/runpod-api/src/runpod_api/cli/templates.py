"""`runpod template`: the images, disks and start commands pods and serverless workers are made from."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any

import typer

from . import _render
from ._errors import EXIT_USAGE, CliError
from ._options import JsonFlag, YesFlag, delete_confirmed, parse_env
from ._state import State

if TYPE_CHECKING:
    from ..types import Template

__all__ = ("app",)

app = typer.Typer(help="Pod and serverless templates.", no_args_is_help=True)

TemplateId = Annotated[str, typer.Argument(metavar="TEMPLATE_ID", help="The template's id (`runpod template list`).")]
DockerArgsOption = Annotated[str | None, typer.Option("--docker-args", help="The container's start command.")]
DiskOption = Annotated[int | None, typer.Option("--disk", min=1, metavar="GB", help="Container disk size.")]
VolumeSizeOption = Annotated[int | None, typer.Option("--volume-size", min=0, metavar="GB", help="Pod volume size.")]
VolumePathOption = Annotated[str | None, typer.Option("--volume-path", help="Where the volume is mounted.")]
PortsOption = Annotated[
    list[str] | None, typer.Option("--ports", metavar="PORTS", help="Ports to expose, e.g. 8888/http,22/tcp.")
]
EnvOption = Annotated[
    list[str] | None, typer.Option("--env", "-e", metavar="KEY=VALUE", help="An environment variable (repeat).")
]
RegistryOption = Annotated[
    str | None, typer.Option("--registry-auth", metavar="ID", help="Credentials for a private image.")
]
PublicOption = Annotated[bool | None, typer.Option("--public/--private", help="Share the template publicly.")]
ReadmeOption = Annotated[str | None, typer.Option("--readme", metavar="TEXT", help="Markdown shown with it.")]


def _settings(options: Mapping[str, Any]) -> dict[str, Any]:
    """The library's arguments for the options that were given (`options`: the command's `locals()`)."""
    values = {
        "docker_args": options["docker_args"],
        "container_disk_in_gb": options["disk"],
        "volume_in_gb": options["volume_size"],
        "volume_mount_path": options["volume_path"],
        "ports": ",".join(options["ports"]) if options["ports"] else None,
        "env": parse_env(options["env"]),
        "container_registry_auth_id": options["registry_auth"],
        "is_public": options["public"],
        "readme": options["readme"],
    }
    return {k: v for k, v in values.items() if v is not None}


def _show(state: State, template: Template, json_: bool) -> None:
    if state.wants_json(json_):
        _render.print_json(template)
        return
    _render.details(
        [
            ("id", template.id),
            ("name", template.name),
            ("image", template.image_name),
            ("serverless", template.is_serverless),
            ("public", template.is_public),
            ("start command", template.docker_args),
            ("container disk GB", template.container_disk_in_gb),
            ("volume GB", template.volume_in_gb),
            ("volume path", template.volume_mount_path),
            ("ports", template.ports),
            ("registry auth", template.container_registry_auth_id),
            ("env", ", ".join(f"{k}={_render.HIDDEN}" for k in template.env)),
        ]
    )


@app.command("list")
def list_templates(ctx: typer.Context, json_: JsonFlag = False) -> None:
    """List the account's own templates."""
    state = State.of(ctx)
    _render.listing(
        state.wants_json(json_),
        state.client().templates.list(),
        ["ID", "NAME", "IMAGE", "FOR"],
        lambda t: (t.id, t.name, t.image_name, "serverless" if t.is_serverless else "pod"),
        empty="no templates",
    )


@app.command("get")
def get_template(ctx: typer.Context, template_id: TemplateId, json_: JsonFlag = False) -> None:
    """Show one template."""
    state = State.of(ctx)
    _show(state, state.client().templates.get(template_id), json_)


@app.command("create")
def create_template(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The template's name (unique in the account).")],
    image: Annotated[str, typer.Option("--image", "-i", help="The container image.")],
    serverless: Annotated[bool, typer.Option("--serverless", help="For serverless workers rather than pods.")] = False,
    docker_args: DockerArgsOption = None,
    disk: DiskOption = None,
    volume_size: VolumeSizeOption = None,
    volume_path: VolumePathOption = None,
    ports: PortsOption = None,
    env: EnvOption = None,
    registry_auth: RegistryOption = None,
    public: PublicOption = None,
    readme: ReadmeOption = None,
    json_: JsonFlag = False,
) -> None:
    """Create a template from an image."""
    state = State.of(ctx)
    values = _settings(locals())
    template = state.client().templates.create(name=name, image_name=image, is_serverless=serverless, **values)
    _render.report(state.wants_json(json_), template, f"Created template {template.id} ({name}).")


@app.command("update")
def update_template(
    ctx: typer.Context,
    template_id: TemplateId,
    name: Annotated[str | None, typer.Option("--name", help="A new name.")] = None,
    image: Annotated[str | None, typer.Option("--image", "-i", help="A new image.")] = None,
    docker_args: DockerArgsOption = None,
    disk: DiskOption = None,
    volume_size: VolumeSizeOption = None,
    volume_path: VolumePathOption = None,
    ports: PortsOption = None,
    env: EnvOption = None,
    registry_auth: RegistryOption = None,
    public: PublicOption = None,
    readme: ReadmeOption = None,
    json_: JsonFlag = False,
) -> None:
    """Change some of a template's settings; the others stay as they are."""
    state = State.of(ctx)
    values = _settings(locals())
    if name is not None:
        values["name"] = name
    if image is not None:
        values["image_name"] = image
    if not values:
        raise CliError("give at least one setting to change (see `runpod template update --help`)", EXIT_USAGE)
    template = state.client().templates.update(template_id, **values)
    _render.report(state.wants_json(json_), template, f"Updated template {template_id}: {', '.join(sorted(values))}.")


@app.command("delete")
def delete_template(ctx: typer.Context, template_id: TemplateId, yes: YesFlag = False, json_: JsonFlag = False) -> None:
    """Delete a template (Runpod refuses while an endpoint uses it; asks first, unless --yes)."""
    state = State.of(ctx)
    delete_confirmed(state.wants_json(json_), yes, "template", template_id, state.client().templates.delete)
