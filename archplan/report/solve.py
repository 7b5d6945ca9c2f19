"""What ``archplan solve`` shows: every layer setting that gives the wanted length, and why."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from archplan.planner.solve import LayerKind, Solution
from archplan.report.styles import HEADER_STYLE, MUTED_STYLE, SHAPE_STYLE, TITLE_STYLE


def solve_table(
    size: int, target: int, kind: LayerKind, solutions: Sequence[Solution], *, count: int
) -> RenderableType:
    """One row per solution: its arguments and the arithmetic (--json adds the Keras call)."""
    table = Table(
        title=f"{kind.keras_class}: {size} → {target}",
        title_style=TITLE_STYLE,
        box=box.SIMPLE_HEAD,
        header_style=HEADER_STYLE,
    )
    table.add_column("Pool" if kind is LayerKind.pool else "Kernel", justify="right")
    table.add_column("Stride", justify="right")
    table.add_column("Padding")
    if kind is not LayerKind.pool:
        table.add_column("Dilation", justify="right")
    table.add_column("Arithmetic", style=SHAPE_STYLE, no_wrap=True)
    for solution in solutions:
        cells = [str(solution.kernel), str(solution.stride), solution.padding]
        if kind is not LayerKind.pool:
            cells.append(str(solution.dilation))
        table.add_row(*cells, solution.length.text)
    if kind is LayerKind.pool:
        order = "stride, pool size, 'valid' before 'same'), by Keras' rules."
    else:
        order = (
            "stride, kernel, dilation, 'valid' before 'same'), by Keras' rules; strides > 1 "
            "with dilation_rate > 1 are left out (Keras refuses them)."
        )
    shown = "" if count == len(solutions) else f"; the first {len(solutions):,} shown"
    note = Text(
        f"{count:,} setting{'s' * (count != 1)}{shown}, simplest first ({order}"
        + (" Fix --stride, --kernel, --padding or --dilation to see others." if shown else ""),
        style=MUTED_STYLE,
    )
    return Group(table, note)


def solve_record(
    size: int, target: int, kind: LayerKind, solutions: Sequence[Solution], *, count: int
) -> dict[str, Any]:
    """The settings listed (the simplest), and ``count``: how many there are in all."""
    return {
        "layer": kind.keras_class,
        "input": size,
        "output": target,
        "count": count,
        "solutions": [
            {
                "kernel_size": solution.kernel,
                "strides": solution.stride,
                "padding": solution.padding,
                "dilation_rate": solution.dilation,
                "arithmetic": solution.length.text,
                "keras": solution.keras_call(),
            }
            for solution in solutions
        ],
    }
