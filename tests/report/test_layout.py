"""Tables past a thousand rows are laid out line by line: the same content, in linear time."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console
from rich.text import Text
from typer.testing import CliRunner

from archplan.cli import app
from archplan.report import layout
from archplan.report.layout import Column, LongTable, cell, print_in_parts, table

COLUMNS = (Column("#", justify="right"), Column("Name", fold=True), Column("Count", justify="right"))
ROWS = [
    (cell("0"), cell("conv2d (Conv2D)"), cell("1,792")),
    (cell("1"), cell("dense (Dense)\n  64 units, relu"), cell("4,160")),
]


def rendered(renderable: object, width: int) -> str:
    buffer = io.StringIO()
    print_in_parts(Console(file=buffer, width=width, color_system=None), renderable)  # type: ignore[arg-type]
    return buffer.getvalue()


def test_a_long_table_is_drawn_as_rich_draws_the_same_table() -> None:
    from rich import box
    from rich.table import Table

    plain = Table(title="net", box=box.SIMPLE_HEAD)
    for column in COLUMNS:
        plain.add_column(column.header, justify=column.justify)
    for row in ROWS:
        plain.add_row(*(layout.as_text(value) for value in row))
    assert rendered(LongTable(Text("net"), COLUMNS, ROWS), 80) == rendered(plain, 80)


def test_a_folding_column_gives_up_width_and_wraps_at_spaces() -> None:
    assert rendered(LongTable(Text("net"), COLUMNS, ROWS), 26).splitlines() == [
        "            net             ",
        "                            ",
        "  #   Name           Count  ",
        " ────────────────────────── ",
        "  0   conv2d         1,792  ",
        "      (Conv2D)              ",
        "  1   dense          4,160  ",
        "      (Dense)               ",
        "        64 units,           ",
        "      relu                  ",
        "                            ",
    ]


def test_the_long_layout_starts_past_a_thousand_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not isinstance(table(Text("t"), COLUMNS, ROWS), LongTable)
    monkeypatch.setattr(layout, "LONG_TABLE_ROWS", 1)
    assert isinstance(table(Text("t"), COLUMNS, ROWS), LongTable)


def test_a_long_trace_prints_every_layer_and_the_totals(tmp_path: Path) -> None:
    layers = [{"type": "Dense", "units": 4 + i % 3, "name": f"d{i}"} for i in range(1_500)]
    spec = tmp_path / "chain.json"
    spec.write_text(json.dumps({"input": {"shape": [8]}, "layers": layers}))
    result = CliRunner().invoke(app, ["trace", str(spec)], env={"COLUMNS": "100", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.stdout.splitlines()]
    numbered = [row for row in rows if row and row[0].isdigit() and len(row) > 1 and row[1].startswith("d")]
    assert [int(row[0]) for row in numbered] == list(range(1_500))
    assert "Total params:" in result.stdout
    assert "Training memory:" in result.stdout
