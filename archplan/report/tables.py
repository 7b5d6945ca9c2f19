"""The rich tables ``archplan trace`` and ``archplan params`` print."""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from archplan.engine.trace import LayerTrace, Trace
from archplan.layers.base import format_shape
from archplan.report.sizes import count_with_size

HEADER_STYLE = "bold"
NAME_STYLE = "cyan"
SHAPE_STYLE = "green"
PARAM_STYLE = "magenta"
MUTED_STYLE = "dim"
TITLE_STYLE = "bold"


def _layer_label(layer: LayerTrace) -> Text:
    return Text.assemble((layer.name, NAME_STYLE), f" ({layer.type})")


def _totals(trace: Trace, bytes_per_param: int) -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style=HEADER_STYLE)
    grid.add_column(justify="right")
    grid.add_row("Total params:", count_with_size(trace.total_params, bytes_per_param))
    grid.add_row("Trainable params:", count_with_size(trace.trainable_params, bytes_per_param))
    grid.add_row(
        "Non-trainable params:", count_with_size(trace.non_trainable_params, bytes_per_param)
    )
    return grid


def trace_table(trace: Trace, *, bytes_per_param: int = 4) -> RenderableType:
    """Every layer: arguments, input → output shape, the arithmetic, its parameters; then totals."""
    table = Table(
        title=f"{trace.name}: input {format_shape(trace.input_shape)}",
        title_style=TITLE_STYLE,
        box=box.SIMPLE_HEAD,
        header_style=HEADER_STYLE,
    )
    table.add_column("#", justify="right", style=MUTED_STYLE)
    table.add_column("Layer (type)", no_wrap=True)
    table.add_column("Arguments")
    table.add_column("Input → Output", style=SHAPE_STYLE)
    table.add_column("Arithmetic")
    table.add_column("Params", justify="right", style=PARAM_STYLE)
    for layer in trace.layers:
        table.add_row(
            str(layer.index),
            _layer_label(layer),
            layer.arguments,
            f"{format_shape(layer.input_shape)} → {format_shape(layer.output_shape)}",
            "\n".join(layer.arithmetic),
            f"{layer.params:,}",
        )
    return Group(table, _totals(trace, bytes_per_param))


def params_table(trace: Trace, *, bytes_per_param: int = 4) -> RenderableType:
    """Every layer's parameter formula and trainable / non-trainable counts; then totals."""
    table = Table(
        title=f"{trace.name}: parameters",
        title_style=TITLE_STYLE,
        box=box.SIMPLE_HEAD,
        header_style=HEADER_STYLE,
    )
    table.add_column("#", justify="right", style=MUTED_STYLE)
    table.add_column("Layer (type)", overflow="fold")
    table.add_column("Formula", no_wrap=True)
    table.add_column("Trainable", justify="right", no_wrap=True)
    table.add_column("Non-trainable", justify="right", no_wrap=True)
    table.add_column("Params", justify="right", style=PARAM_STYLE, no_wrap=True)
    for layer in trace.layers:
        table.add_row(
            str(layer.index),
            _layer_label(layer),
            layer.param_formula,
            f"{layer.trainable_params:,}",
            f"{layer.non_trainable_params:,}",
            f"{layer.params:,}",
        )
    return Group(table, _totals(trace, bytes_per_param))
