"""`runpod gpu`: the GPU types Runpod rents out, and their prices."""

from __future__ import annotations

from typing import Annotated

import typer

from . import _render
from ._options import JsonFlag
from ._state import State

__all__ = ("app",)

app = typer.Typer(help="GPU types and their prices.", no_args_is_help=True)


@app.command("list")
def list_gpus(ctx: typer.Context, json_: JsonFlag = False) -> None:
    """List every GPU type with its hourly prices."""
    state = State.of(ctx)
    _render.listing(
        state.wants_json(json_),
        sorted(state.client().gpus.list(), key=lambda g: (g.memory_in_gb or 0, g.id)),
        ["ID", "NAME", "MEMORY GB", "SECURE $/H", "COMMUNITY $/H", "MAX COUNT"],
        lambda g: (g.id, g.display_name, g.memory_in_gb, g.secure_price, g.community_price, g.max_gpu_count),
        empty="no GPU types",
    )


@app.command("get")
def get_gpu(
    ctx: typer.Context,
    gpu_type_id: Annotated[str, typer.Argument(metavar="GPU_TYPE_ID", help="e.g. 'NVIDIA GeForce RTX 4090'.")],
    count: Annotated[int, typer.Option("--count", "-n", min=1, help="Price this many GPUs.")] = 1,
    json_: JsonFlag = False,
) -> None:
    """Show one GPU type with the lowest current price for COUNT of them."""
    state = State.of(ctx)
    gpu = state.client().gpus.get(gpu_type_id, gpu_count=count)
    if state.wants_json(json_):
        _render.print_json(gpu)
        return
    price = gpu.lowest_price
    _render.details(
        [
            ("id", gpu.id),
            ("name", gpu.display_name),
            ("manufacturer", gpu.manufacturer),
            ("memory GB", gpu.memory_in_gb),
            ("max count", gpu.max_gpu_count),
            ("secure $/h", gpu.secure_price),
            ("community $/h", gpu.community_price),
            ("spot $/h", gpu.community_spot_price or gpu.secure_spot_price),
            (f"lowest $/h for {count}", price.uninterruptable_price if price else None),
            (f"lowest spot bid for {count}", price.minimum_bid_price if price else None),
            ("stock", price.stock_status if price else None),
        ]
    )
