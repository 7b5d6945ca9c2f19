"""The rich tables ``archplan trace`` and ``archplan params`` print."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from archplan.engine.memory import Memory, estimate_memory
from archplan.engine.trace import LayerTrace, Trace
from archplan.messages import visible
from archplan.report.layout import ByWidth, Cell, Column, Fragment, cell, table
from archplan.report.styles import (
    COST_STYLE,
    FIELD_STYLE,
    HEADER_STYLE,
    MUTED_STYLE,
    NAME_STYLE,
    PARAM_STYLE,
    SHAPE_STYLE,
    UNUSED_STYLE,
)
from archplan.rules.receptive import Field
from archplan.rules.shapes import format_shape
from archplan.rules.sizes import count_with_size, readable_size

HUGE_COUNT = 10**15
"""From a million G on, a count is written as ``2.9e20``: the column keeps its width."""
WIDE_TRACE_WIDTH = 150
"""Below this many columns the trace table stacks arguments and arithmetic under each layer."""


def _layer_label(layer: LayerTrace, *, branched: bool = False) -> Cell:
    """``conv2d (Conv2D)``; in a graph, the names it takes beneath (``← stem, b``)."""
    first: tuple[Fragment, ...] = ((visible(layer.name), NAME_STYLE), (f" ({layer.type})", ""))
    if not layer.reaches_output:
        first += ((" unused", UNUSED_STYLE),)
    if not branched:
        return (first,)
    return (first, ((f"← {visible(', '.join(layer.inputs))}", MUTED_STYLE),))


def _shapes(layer: LayerTrace) -> str:
    """``(32, 32, 3) → (32, 32, 64)``; a merge's input shapes one per line."""
    inputs = layer.input_shapes or (layer.input_shape,)
    if len(inputs) == 1:
        return f"{format_shape(inputs[0])} → {format_shape(layer.output_shape)}"
    lines = [format_shape(shape) for shape in inputs]
    lines[-1] += f" → {format_shape(layer.output_shape)}"
    return "\n".join(lines)


def _add_plain_row(grid: Table, *cells: str) -> None:
    """A row of plain text: rich reads no markup or emoji codes in it (and loads none)."""
    grid.add_row(*(Text(value) for value in cells))


def _totals(trace: Trace, bytes_per_param: int) -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style=HEADER_STYLE)
    grid.add_column(justify="right")
    _add_plain_row(grid, "Total params:", count_with_size(trace.total_params, bytes_per_param))
    _add_plain_row(
        grid, "Trainable params:", count_with_size(trace.trainable_params, bytes_per_param)
    )
    _add_plain_row(
        grid, "Non-trainable params:", count_with_size(trace.non_trainable_params, bytes_per_param)
    )
    return grid


def compact(count: int | None) -> str:
    """``47596160`` → ``'47.6M'``: three significant digits, for a narrow column; ``?``: unknown."""
    if count is None:
        return "?"
    if count < 10_000:
        return f"{count:,}"
    if count >= HUGE_COUNT:  # beyond a float's exact integers: decimal, and a narrow width
        from decimal import Decimal

        return f"{Decimal(count):.2g}".replace("+", "")  # 1e38, 2.9e20: as narrow as 10.6G
    for unit, scale in (("K", 10**3), ("M", 10**6), ("G", 10**9)):
        value = float(f"{count / scale:.3g}")  # rounded first: 999,600 is 1M, not 1e+03K
        if value < 1000:
            return f"{value:g}{unit}"
    return f"{count / 10**9:,.0f}G"


def _number(value: float) -> str:
    """``4`` → ``'4'``; ``0.5`` → ``'0.5'``: fields are fractional only after upsampling."""
    return str(value) if isinstance(value, int) else f"{value:.2f}".rstrip("0").rstrip(".")


def axes_text(values: tuple[float, ...]) -> str:
    """``(10, 10)`` → ``'10'``; ``(10, 12)`` → ``'10×12'``."""
    if len(set(values)) == 1:
        return _number(values[0])
    return "×".join(_number(value) for value in values)


def field_cell(field: Field | None) -> str:
    """``'10 (2)'``: the receptive field and, in brackets, the jump; ``all`` for the whole input."""
    if field is None:
        return "?"
    if not field.size:
        return "–"
    if field.jump is None:
        return f"all {axes_text(field.size)}"
    return f"{axes_text(field.size)} ({axes_text(field.jump)})"


def _counted(count: int | None) -> str:
    return "unknown (a layer type has no cost rule)" if count is None else f"{count:,}"


def _costs(trace: Trace, memory: Memory) -> Table:
    """MACs, FLOPs, other ops, and the memory estimate, under the parameter totals."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style=HEADER_STYLE, no_wrap=True, min_width=len("Non-trainable params:"))
    grid.add_column()
    _add_plain_row(
        grid,
        "MACs:",
        f"{_counted(trace.total_macs)}; FLOPs (2·MACs): {_counted(trace.total_flops)}",
    )
    _add_plain_row(
        grid,
        "Other ops:",
        f"{trace.total_other_ops:,} (bias adds, activations, pooling, normalisation; not in FLOPs)",
    )
    batch = f"batch of {memory.batch_size}"
    _add_plain_row(
        grid,
        "Activations:",
        f"{readable_size(memory.activation_bytes_per_sample)} per sample, "
        f"{readable_size(memory.activation_bytes_per_batch)} per {batch}",
    )
    slots = f"{memory.optimizer_slots} slot{'s' if memory.optimizer_slots != 1 else ''}"
    _add_plain_row(
        grid,
        "Training memory:",
        f"{readable_size(memory.training_bytes)} (estimate, {batch}) = "
        f"params {readable_size(memory.params_bytes)} "
        f"+ gradients {readable_size(memory.gradients_bytes)} "
        f"+ {memory.optimizer} ({slots}) {readable_size(memory.optimizer_bytes)} "
        f"+ input {readable_size(memory.input_bytes_per_batch)} "
        f"+ activations {readable_size(memory.activation_bytes_per_batch)}",
    )
    return grid


def trace_table(
    trace: Trace, *, bytes_per_param: int = 4, batch_size: int | None = None
) -> RenderableType:
    """Every layer: arguments, shapes, arithmetic, parameters, MACs, receptive field; totals."""
    memory = estimate_memory(trace, bytes_per_value=bytes_per_param, batch_size=batch_size)
    footer = (_totals(trace, bytes_per_param), _costs(trace, memory))
    rows = ByWidth(
        lambda: _wide_trace_rows(trace), lambda: _narrow_trace_rows(trace), WIDE_TRACE_WIDTH
    )
    return Group(rows, *footer)


def _title(trace: Trace, what: str) -> Text:
    """``tutorial-convnet: input (32, 32, 3)``; the name shown as the characters it holds."""
    return Text(f"{visible(trace.name)}: {what}")


WIDE_COLUMNS = (
    Column("#", justify="right", style=MUTED_STYLE),
    Column("Layer (type)", no_wrap=True),
    Column("Arguments", fold=True),
    Column("Input → Output", style=SHAPE_STYLE),
    Column("Arithmetic", fold=True),
    Column("Params", justify="right", style=PARAM_STYLE),
    Column("MACs", justify="right", style=COST_STYLE, no_wrap=True),
    Column("RF (jump)", justify="right", style=FIELD_STYLE, no_wrap=True),
)
"""One column per fact, for terminals wide enough to show a layer on one line."""

NARROW_COLUMNS = (
    Column("#", justify="right", style=MUTED_STYLE),
    Column("Layer (type) · arguments · arithmetic", fold=True),
    Column("Output", style=SHAPE_STYLE, no_wrap=True),
    Column("Params", justify="right", style=PARAM_STYLE, no_wrap=True),
    Column("MACs", justify="right", style=COST_STYLE, no_wrap=True),
    Column("RF (jump)", justify="right", style=FIELD_STYLE, no_wrap=True),
)
"""Arguments and arithmetic stacked under each layer's name, for 80-column terminals."""


def _wide_trace_rows(trace: Trace) -> RenderableType:
    branched = trace.branched
    rows = [
        (
            cell(str(layer.index)),
            _layer_label(layer, branched=branched),
            cell(layer.arguments),
            cell(_shapes(layer)),
            cell("\n".join(layer.arithmetic)),
            cell(f"{layer.params:,}"),
            cell(compact(layer.macs)),
            cell(field_cell(layer.field)),
        )
        for layer in trace.layers
    ]
    return table(_title(trace, f"input {format_shape(trace.input_shape)}"), WIDE_COLUMNS, rows)


def _narrow_trace_rows(trace: Trace) -> RenderableType:
    branched = trace.branched
    rows = []
    for layer in trace.layers:
        facts = (layer.arguments, *layer.arithmetic)
        details = tuple(((f"  {fact}", MUTED_STYLE),) for fact in facts if fact)
        rows.append(
            (
                cell(str(layer.index)),
                _layer_label(layer, branched=branched) + details,
                cell("×".join(map(str, layer.output_shape))),
                cell(f"{layer.params:,}"),
                cell(compact(layer.macs)),
                cell(field_cell(layer.field)),
            )
        )
    return table(_title(trace, f"input {format_shape(trace.input_shape)}"), NARROW_COLUMNS, rows)


PARAMS_COLUMNS = (
    Column("#", justify="right", style=MUTED_STYLE),
    Column("Layer (type)", fold=True),
    Column("Formula", no_wrap=True),
    Column("Trainable", justify="right", no_wrap=True),
    Column("Non-trainable", justify="right", no_wrap=True),
    Column("Params", justify="right", style=PARAM_STYLE, no_wrap=True),
)


def params_table(trace: Trace, *, bytes_per_param: int = 4) -> RenderableType:
    """Every layer's parameter formula and trainable / non-trainable counts; then totals."""
    branched = trace.branched
    rows = [
        (
            cell(str(layer.index)),
            _layer_label(layer, branched=branched),
            cell(layer.param_formula),
            cell(f"{layer.trainable_params:,}"),
            cell(f"{layer.non_trainable_params:,}"),
            cell(f"{layer.params:,}"),
        )
        for layer in trace.layers
    ]
    listing = table(_title(trace, "parameters"), PARAMS_COLUMNS, rows)
    return Group(listing, _totals(trace, bytes_per_param))
