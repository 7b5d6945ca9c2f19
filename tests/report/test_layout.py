"""archplan's tables are laid out line by line, and draw exactly what rich's ``Table`` draws."""

from __future__ import annotations

import io
import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console, RenderableType
from rich.segment import Segment
from rich.table import Table
from rich.text import Text
from typer.testing import CliRunner

from archplan.cli import app
from archplan.report import layout
from archplan.report.layout import Cell, Column, LinedTable, _Part, cell, print_in_parts, table

COLUMNS = (
    Column("#", justify="right"),
    Column("Name", fold=True),
    Column("Count", justify="right"),
)
ROWS = [
    (cell("0"), cell("conv2d (Conv2D)"), cell("1,792")),
    (cell("1"), cell("dense (Dense)\n  64 units, relu"), cell("4,160")),
]


def rendered(renderable: object, width: int) -> str:
    buffer = io.StringIO()
    print_in_parts(Console(file=buffer, width=width, color_system=None), renderable)  # type: ignore[arg-type]
    return buffer.getvalue()


def styled(renderable: RenderableType, width: int) -> list[list[tuple[str, str]]]:
    """Each line as (character, style) pairs; a space's style cannot be seen, so it is left out."""
    console = Console(file=io.StringIO(), width=width, color_system="truecolor")
    lines = Segment.split_lines(console.render(renderable, console.options))
    return [[(char, _style_of(char, segment)) for segment in line for char in segment.text]
            for line in lines]  # fmt: skip


def _style_of(char: str, segment: Segment) -> str:
    return "" if char == " " else str(segment.style or "none")


def test_a_table_is_drawn_as_rich_draws_it() -> None:
    lined = LinedTable(Text("net"), COLUMNS, ROWS)
    assert rendered(lined, 80) == rendered(lined.rich_table(), 80)
    assert rendered(lined, 26).splitlines() == [
        "           net            ",
        "                          ",
        "  #   Name         Count  ",
        " ──────────────────────── ",
        "  0   conv2d       1,792  ",
        "      (Conv2D)            ",
        "  1   dense        4,160  ",
        "      (Dense)             ",
        "        64                ",
        "      units,              ",
        "      relu                ",
        "                          ",
    ]


TEXT = st.text(alphabet="ab cd→·×世(),-", max_size=24)
STYLE = st.sampled_from(["", "bold", "red", "cyan bold"])
LINE = st.lists(st.tuples(TEXT, STYLE), min_size=0, max_size=3).map(tuple)
CELL: st.SearchStrategy[Cell] = st.lists(LINE, min_size=0, max_size=3).map(tuple)
COLUMN = st.builds(
    Column,
    header=st.text(alphabet="ab cd→(·)", max_size=14),
    justify=st.sampled_from(["left", "right"]),
    style=st.sampled_from(["", "dim", "magenta"]),
    fold=st.booleans(),
    no_wrap=st.booleans(),
)


@st.composite
def tables(draw: st.DrawFn) -> LinedTable:
    columns = draw(st.lists(COLUMN, min_size=1, max_size=6))
    rows = draw(st.lists(st.tuples(*(CELL for _ in columns)), max_size=4))
    title = Text(draw(TEXT), style=draw(STYLE))
    return table(title, columns, rows, header_style=draw(STYLE) or "bold")


@given(tables(), st.integers(min_value=8, max_value=140))
def test_any_table_is_drawn_character_for_character_and_style_for_style_as_rich_draws_it(
    lined: LinedTable, width: int
) -> None:
    assert styled(lined, width) == styled(lined.rich_table(), width)
    assert rendered(lined, width) == rendered(lined.rich_table(), width)


def test_a_table_is_printed_a_thousand_rows_at_a_time() -> None:
    rows = [(cell(str(n)), cell(f"layer {n}"), cell("1")) for n in range(2_500)]
    parts = list(layout._parts(table(Text("t"), COLUMNS, rows), Console(width=80).options))
    assert [len(part.rows) for part in parts if isinstance(part, _Part)] == [0, 1000, 1000, 500, 0]


def test_a_console_that_cannot_draw_lines_gets_rich_own_table() -> None:
    options = Console(width=60).options.copy()
    options.encoding = "ascii"  # rich then draws its ASCII box, not SIMPLE_HEAD's lines
    (only,) = LinedTable(Text("net"), COLUMNS, ROWS).parts(options)
    assert isinstance(only, Table)


def test_a_long_trace_prints_every_layer_and_the_totals(tmp_path: Path) -> None:
    layers = [{"type": "Dense", "units": 4 + i % 3, "name": f"d{i}"} for i in range(1_500)]
    spec = tmp_path / "chain.json"
    spec.write_text(json.dumps({"input": {"shape": [8]}, "layers": layers}))
    result = CliRunner().invoke(app, ["trace", str(spec)], env={"COLUMNS": "100", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.stdout.splitlines()]
    numbered = [
        row for row in rows if row and row[0].isdigit() and len(row) > 1 and row[1].startswith("d")
    ]
    assert [int(row[0]) for row in numbered] == list(range(1_500))
    assert "Total params:" in result.stdout
    assert "Training memory:" in result.stdout
