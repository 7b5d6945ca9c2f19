"""``archplan trace`` through typer's CliRunner: the cost keys of ``--json`` and ``--batch-size``."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from archplan.cli import app
from tests.conftest import SPECS

runner = CliRunner()
ENV = {"COLUMNS": "160", "NO_COLOR": "1", "TERM": "dumb"}
TUTORIAL = str(SPECS / "tutorial-convnet.json")
DIMENSIONING = str(SPECS / "tutorial-dimensioning.json")


def trace_json(*args: str) -> dict[str, object]:
    result = runner.invoke(app, ["trace", *args, "--json"], env=ENV)
    assert (result.exit_code, result.stderr) == (0, "")
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


def test_trace_json_has_per_layer_costs_and_totals() -> None:
    data = trace_json(TUTORIAL)
    layers = data["layers"]
    assert isinstance(layers, list)
    assert [row["macs"] for row in layers] == [
        1_769_472,
        37_748_736,
        0,
        4_718_592,
        2_359_296,
        0,
        294_912,
        147_456,
        0,
        524_288,
        32_768,
        640,
    ]
    assert [row["receptive_field"] for row in layers] == [
        3,
        5,
        6,
        10,
        14,
        16,
        24,
        32,
        32,
        32,
        32,
        32,
    ]
    assert [row["jump"] for row in layers] == [1, 1, 2, 2, 2, 4, 4, 4, None, None, None, None]
    assert [row["start"] for row in layers][:8] == [0.0, 0.0, 0.5, 0.5, 0.5, 1.5, 1.5, 1.5]
    assert (data["total_macs"], data["total_flops"]) == (47_596_160, 95_192_320)
    memory = data["memory"]
    assert isinstance(memory, dict)
    assert (memory["batch_size"], memory["activation_bytes_per_sample"]) == (32, 678_184)
    assert memory["training"]["total_bytes"] == 29_675_000


def test_batch_size_and_dtype_options() -> None:
    memory = trace_json(DIMENSIONING, "--batch-size", "5", "--dtype", "float64")["memory"]
    assert isinstance(memory, dict)
    assert (memory["batch_size"], memory["bytes_per_value"]) == (5, 8)
    assert memory["activation_bytes_per_batch"] == 17_900 * 8 * 5


def test_batch_size_must_be_positive() -> None:
    result = runner.invoke(app, ["trace", TUTORIAL, "--batch-size", "0"], env=ENV)
    assert result.exit_code == 2
    assert "--batch-size" in result.stderr


def test_trace_table_has_the_new_columns_and_memory_block() -> None:
    result = runner.invoke(app, ["trace", DIMENSIONING, "--batch-size", "8"], env=ENV)
    assert result.exit_code == 0
    assert "RF (jump)" in result.stdout
    assert "20 (4)" in result.stdout
    assert "Activations:          69.92 KB per sample, 559.38 KB per batch of 8" in result.stdout
