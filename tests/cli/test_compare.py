"""``archplan compare``: specs side by side, the best value in each row marked, and ``--json``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from archplan.cli import app
from tests.conftest import SPECS, chain

runner = CliRunner()
ENV = {"COLUMNS": "160", "NO_COLOR": "1", "TERM": "dumb"}
TUTORIAL = str(SPECS / "tutorial-convnet.json")
DIMENSIONING = str(SPECS / "tutorial-dimensioning.json")


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=ENV)
    return result.exit_code, result.stdout, result.stderr


def row(out: str, label: str) -> str:
    return next(line for line in out.splitlines() if line.strip().startswith(label))


def test_table_marks_the_best_value_in_each_ranked_row() -> None:
    code, out, err = invoke("compare", TUTORIAL, DIMENSIONING)
    assert (code, err) == (0, "")
    assert "tutorial-convnet" in out
    assert "tutorial-dimensioning" in out
    assert row(out, "Parameters").split() == ["Parameters", "631,658", "★", "8,228"]
    assert row(out, "MACs").split() == ["MACs", "47,596,160", "★", "1,179,292"]
    assert row(out, "Activations per sample").split() == [
        "Activations", "per", "sample", "662.29", "KB", "★", "69.92", "KB"
    ]  # fmt: skip
    assert row(out, "Final shape").split() == ["Final", "shape", "(10,)", "(10,)"]
    assert row(out, "Receptive field").split() == ["Receptive", "field", "★", "32", "20"]
    assert row(out, "Depth").split()[-2:] == ["9", "5"]
    assert "Training memory at batch size 32." in out


def test_json_lists_each_network_and_its_best_rows() -> None:
    code, out, _ = invoke("compare", TUTORIAL, DIMENSIONING, "--json", "--batch-size", "2")
    assert code == 0
    data = json.loads(out)
    first, second = data["networks"]
    assert first["name"] == "tutorial-convnet"
    assert first["spec"] == TUTORIAL
    assert (first["params"], first["macs"], first["flops"]) == (631_658, 47_596_160, 95_192_320)
    assert (first["output_shape"], first["receptive_field"], first["depth"]) == ([10], 32, 9)
    assert first["activation_bytes_per_sample"] == 169_546 * 4
    assert first["batch_size"] == second["batch_size"] == 2
    assert first["best_in"] == ["receptive_field"]
    assert second["best_in"] == ["params", "macs", "activation_bytes_per_sample", "training_bytes"]
    assert data["ranked"] == {
        "params": "min", "macs": "min", "activation_bytes_per_sample": "min",
        "training_bytes": "min", "receptive_field": "max",
    }  # fmt: skip


def test_three_specs_and_dtype(write_spec: Callable[..., Path]) -> None:
    tiny = write_spec(chain({"type": "Conv2D", "filters": 1, "kernel_size": 1}, shape=(4, 4, 1)))
    code, out, _ = invoke(
        "compare", TUTORIAL, DIMENSIONING, str(tiny), "--json", "--dtype", "float16"
    )
    assert code == 0
    networks = json.loads(out)["networks"]
    assert [n["name"] for n in networks] == ["tutorial-convnet", "tutorial-dimensioning", "spec"]
    assert networks[2]["activation_bytes_per_sample"] == 16 * 2
    assert networks[2]["best_in"] == [
        "params",
        "macs",
        "activation_bytes_per_sample",
        "training_bytes",
    ]
    assert networks[0]["best_in"] == ["receptive_field"]


def test_one_spec_is_not_a_comparison() -> None:
    code, out, err = invoke("compare", TUTORIAL)
    assert (code, out) == (2, "")
    assert err == "error: compare needs at least two specs, e.g. archplan compare a.json b.json\n"


def test_a_bad_spec_names_its_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"
    code, out, err = invoke("compare", TUTORIAL, str(missing))
    assert (code, out) == (2, "")
    assert err.startswith(f"error: {missing}: no such file")
    assert err.count("\n") == 1


def test_help() -> None:
    code, out, _ = invoke("compare", "--help")
    assert code == 0
    assert "--batch-size" in out
    assert "--json" in out
