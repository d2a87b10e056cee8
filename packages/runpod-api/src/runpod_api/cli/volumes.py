"""`runpod volume`: network volumes, storage that outlives pods and is shared with serverless workers."""

from __future__ import annotations

from typing import Annotated

import typer

from . import _render
from ._options import JsonFlag, YesFlag, delete_confirmed
from ._state import State

__all__ = ("app",)

app = typer.Typer(help="Network volumes.", no_args_is_help=True)

VolumeId = Annotated[str, typer.Argument(metavar="VOLUME_ID", help="The volume's id (`runpod volume list`).")]


@app.command("list")
def list_volumes(ctx: typer.Context, json_: JsonFlag = False) -> None:
    """List the account's network volumes."""
    state = State.of(ctx)
    _render.listing(
        state.wants_json(json_),
        state.client().network_volumes.list(),
        ["ID", "NAME", "SIZE GB", "DATA CENTER"],
        lambda v: (v.id, v.name, v.size, v.data_center_id),
        empty="no network volumes",
    )


@app.command("get")
def get_volume(ctx: typer.Context, volume_id: VolumeId, json_: JsonFlag = False) -> None:
    """Show one network volume."""
    state = State.of(ctx)
    volume = state.client().network_volumes.get(volume_id)
    if state.wants_json(json_):
        _render.print_json(volume)
        return
    _render.details(
        [("id", volume.id), ("name", volume.name), ("size GB", volume.size), ("data center", volume.data_center_id)]
    )


@app.command("create")
def create_volume(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The volume's name.")],
    size: Annotated[int, typer.Option("--size", "-s", min=1, metavar="GB", help="Its size.")],
    data_center: Annotated[str, typer.Option("--data-center", "-d", metavar="ID", help="Where, e.g. EU-RO-1.")],
    json_: JsonFlag = False,
) -> None:
    """Create a network volume in a data center."""
    state = State.of(ctx)
    volume = state.client().network_volumes.create(name=name, size=size, data_center_id=data_center)
    _render.report(
        state.wants_json(json_), volume, f"Created network volume {volume.id} ({name}, {size} GB in {data_center})."
    )


@app.command("update")
def update_volume(
    ctx: typer.Context,
    volume_id: VolumeId,
    name: Annotated[str | None, typer.Option("--name", help="A new name.")] = None,
    size: Annotated[
        int | None, typer.Option("--size", "-s", min=1, metavar="GB", help="Grow it (never shrinks).")
    ] = None,
    json_: JsonFlag = False,
) -> None:
    """Rename a network volume, or grow it."""
    state = State.of(ctx)
    volume = state.client().network_volumes.update(volume_id, name=name, size=size)
    _render.report(
        state.wants_json(json_), volume, f"Updated network volume {volume_id}: {volume.name}, {volume.size} GB."
    )


@app.command("delete")
def delete_volume(ctx: typer.Context, volume_id: VolumeId, yes: YesFlag = False, json_: JsonFlag = False) -> None:
    """Delete a network volume and everything on it (asks first, unless --yes)."""
    state = State.of(ctx)
    delete = state.client().network_volumes.delete
    delete_confirmed(state.wants_json(json_), yes, "network volume", volume_id, delete, warning=" and everything on it")
