"""What ``archplan fix`` shows: the refusal, and the changes that make the spec valid."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from archplan.messages import visible, visible_lines
from archplan.planner.fix import Fix, FixReport
from archplan.report.styles import (
    COST_STYLE,
    ERROR_STYLE,
    HEADER_STYLE,
    MUTED_STYLE,
    PARAM_STYLE,
    SHAPE_STYLE,
    TITLE_STYLE,
)
from archplan.rules.shapes import format_shape
from archplan.rules.sizes import compact

RANKING = (
    "Ranked by how little they change: layers touched (an inserted layer counts with the merge it "
    "feeds), weights changed, then the shapes and MACs of the layers that traced before the "
    "refusal."
)


def _before(report: FixReport) -> str:
    prefix = report.prefix
    if not prefix.layers:
        return "Before: the first layer is refused; nothing traced."
    return (
        f"Before: the {prefix.layers} layer{'s' * (prefix.layers != 1)} before the refusal "
        f"trace to {prefix.params:,} parameters and {compact(prefix.macs)} MACs."
    )


def fix_table(path: Path, report: FixReport, *, shown: int) -> RenderableType:
    """The refusal, what traced before it, and the first ``shown`` fixes."""
    table = Table(
        title=Text(f"Fixes for {visible(str(path))}"), title_style=TITLE_STYLE, box=box.SIMPLE_HEAD,
        header_style=HEADER_STYLE,
    )  # fmt: skip
    table.add_column("#", justify="right", style=MUTED_STYLE)
    table.add_column("Change", overflow="fold")
    table.add_column("Layers", justify="right", no_wrap=True)
    table.add_column("Params", justify="right", style=PARAM_STYLE, no_wrap=True)
    table.add_column("MACs", justify="right", style=COST_STYLE, no_wrap=True)
    table.add_column("Output", style=SHAPE_STYLE, no_wrap=True)
    for rank, fix in enumerate(report.fixes[:shown], start=1):
        table.add_row(
            str(rank),
            Text(visible_lines("\n".join(edit.description for edit in fix.edits))),
            str(fix.touched),
            f"{fix.params:,}",
            compact(fix.macs),
            format_shape(fix.trace.output_shape),
        )
    more = len(report.fixes) - shown
    notes = [
        _before(report),
        RANKING,
        f"{len(report.fixes)} fix{'es' * (len(report.fixes) != 1)} from {report.tried} edited "
        f"specs, each traced in full" + (f"; {more} more with --all" if more > 0 else "") + ".",
        f"Write one with: archplan fix {path} -o FIXED.json [--pick N]",
    ]
    refusal = Text.assemble(("refused: ", ERROR_STYLE), visible_lines(str(report.refusal)))
    return Group(refusal, table, *(Text(visible_lines(note), style=MUTED_STYLE) for note in notes))


def fix_record(fix: Fix, rank: int) -> dict[str, Any]:
    return {
        "rank": rank,
        "changes": [edit.description for edit in fix.edits],
        "layers_touched": fix.touched,
        "weights_changed": fix.weights_changed,
        "params": fix.params,
        "macs": fix.macs,
        "output_shape": list(fix.trace.output_shape),
        "spec": fix.data,
    }


def fix_report_record(path: Path, report: FixReport) -> dict[str, Any]:
    """``--json``: the refusal, what traced before it, and every fix with its spec."""
    return {
        "spec": str(path),
        "valid": report.refusal is None,
        "refusal": None if report.refusal is None else str(report.refusal),
        "before": {
            "layers": report.prefix.layers,
            "params": report.prefix.params,
            "macs": report.prefix.macs,
        },
        "tried": report.tried,
        "fixes": [fix_record(fix, rank) for rank, fix in enumerate(report.fixes, start=1)],
    }
