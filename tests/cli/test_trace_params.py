"""The light commands through typer's CliRunner: tables, JSON, schema, exit codes, messages."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archplan import __version__
from archplan.cli import app
from tests.conftest import SPECS, chain

runner = CliRunner()
WIDTH = {"COLUMNS": "160", "NO_COLOR": "1", "TERM": "dumb"}
TUTORIAL = str(SPECS / "tutorial-convnet.json")
DIMENSIONING = str(SPECS / "tutorial-dimensioning.json")


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=WIDTH)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("command", ["trace", "params"])
@pytest.mark.parametrize("spec", [TUTORIAL, DIMENSIONING])
def test_tables_match_golden_files(
    command: str, spec: str, golden: Callable[[str, str], None]
) -> None:
    code, out, err = invoke(command, spec)
    assert (code, err) == (0, "")
    golden(f"{command}-{Path(spec).stem}.txt", out)


@pytest.mark.parametrize("spec", [DIMENSIONING, str(SPECS / "resnet-small.json")])
def test_trace_stacks_details_in_an_80_column_terminal(
    spec: str, golden: Callable[[str, str], None]
) -> None:
    result = runner.invoke(app, ["trace", spec], env={**WIDTH, "COLUMNS": "80"})
    assert result.exit_code == 0
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    golden(f"trace-{Path(spec).stem}-80.txt", result.stdout)


def test_trace_shows_the_tutorial_totals_as_keras_prints_them() -> None:
    code, out, _ = invoke("trace", TUTORIAL)
    assert code == 0
    assert "Total params:         631,658 (2.41 MB)" in out
    assert "Non-trainable params:        0 (0.00 B)" in out


def test_trace_json_contract() -> None:
    code, out, err = invoke("trace", TUTORIAL, "--json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["name"] == "tutorial-convnet"
    assert data["input_shape"] == [32, 32, 3]
    assert data["output_shape"] == [10]
    assert (data["total_params"], data["trainable_params"], data["non_trainable_params"]) == (
        631658,
        631658,
        0,
    )
    assert [row["params"] for row in data["layers"]] == [
        1792,
        36928,
        0,
        18464,
        9248,
        0,
        4624,
        2320,
        0,
        524800,
        32832,
        650,
    ]
    first = data["layers"][0]
    for key in ("index", "name", "type", "input_shape", "output_shape", "params",
                "trainable_params", "non_trainable_params"):  # fmt: skip
        assert key in first
    assert (first["index"], first["name"], first["type"]) == (0, "conv2d", "Conv2D")
    assert (first["input_shape"], first["output_shape"]) == ([32, 32, 3], [32, 32, 64])


def test_dimensioning_shapes_follow_the_tutorial() -> None:
    data = json.loads(invoke("trace", DIMENSIONING, "--json")[1])
    assert [row["output_shape"] for row in data["layers"]] == [
        [28, 28, 16],
        [14, 14, 16],
        [14, 14, 8],
        [7, 7, 8],
        [5, 5, 4],
        [100],
        [50],
        [10],
    ]
    assert data["layers"][0]["arithmetic"] == ["H, W: 32 − 5 + 1 = 28"]


def test_params_json_and_dtype_sizes() -> None:
    code, out, _ = invoke("params", TUTORIAL, "--json", "--dtype", "float16")
    assert code == 0
    data = json.loads(out)
    assert data["total_params_bytes"] == 631658 * 2
    assert data["layers"][9]["param_formula"] == "(1024 + 1)·512 = 524,800"


def test_params_table_shows_formulas_and_sizes() -> None:
    code, out, _ = invoke("params", TUTORIAL)
    assert code == 0
    assert "(3·3·3 + 1)·64 = 1,792" in out
    assert "631,658 (2.41 MB)" in out


def test_unknown_dtype_is_a_usage_error() -> None:
    code, out, err = invoke("params", TUTORIAL, "--dtype", "int3")
    assert (code, out) == (2, "")
    assert err == (
        "error: Invalid value for '--dtype': 'int3' is not one of 'float16', 'bfloat16', "
        "'float32', 'float64'. (see: archplan params --help)\n"
    )


def test_schema_is_valid_json_schema_listing_every_layer_type() -> None:
    code, out, _ = invoke("schema")
    assert code == 0
    schema = json.loads(out)
    assert schema["title"] == "Network"
    assert set(schema["properties"]) >= {"$schema", "name", "input", "layers", "training"}
    text = json.dumps(schema)
    for layer_type in ("Conv2D", "Convolution2D", "MaxPool2D", "AvgPool2D", "BatchNormalization"):
        assert f'"{layer_type}"' in text


def test_shipped_schema_file_is_current() -> None:
    assert json.loads(invoke("schema")[1]) == json.loads((SPECS / "spec.schema.json").read_text())


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"input": {"shape": [32, 32, 3]}, "layers": [', ":1:46: the JSON ends too early"),
        (b"\xff\xfe{}", ": is not UTF-8 text (byte 0xff at offset 0)"),
        (chain({"type": "Conv2d", "filters": 1, "kernel_size": 3}), ": layers[0] (Conv2d): unknown layer type 'Conv2d' (did you mean 'Conv2D'?)"),
        (chain({"type": "Conv2D", "filters": 1, "kernel_size": 9}, shape=(4, 4, 1)),
         ": layers[0] ('conv2d', Conv2D) on input (4, 4, 1): the output would be empty (H, W: 4 − 9 + 1 = -4)"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("command", ["trace", "params"])
def test_bad_specs_exit_2_with_one_line_and_no_traceback(
    command: str, content: object, expected: str, write_spec: Callable[..., Path]
) -> None:
    path = write_spec(content)
    before = path.read_bytes()
    code, out, err = invoke(command, str(path))
    assert (code, out) == (2, "")
    assert err.startswith(f"error: {path}")
    assert expected in err
    assert err.count("\n") == 1
    assert "Traceback" not in err
    assert path.read_bytes() == before


@pytest.mark.parametrize("target", ["missing.json", "."])
def test_missing_file_and_directory(target: str, tmp_path: Path) -> None:
    path = tmp_path / target
    code, _, err = invoke("trace", str(path))
    assert code == 2
    assert err.count("\n") == 1
    assert ("no such file" in err) if target != "." else ("is a directory" in err)


def test_unexpected_failures_exit_1_without_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("archplan.engine.trace.trace_network", broken)
    code, _, err = invoke("trace", TUTORIAL)
    assert code == 1
    assert err.startswith("internal error: RuntimeError: boom (a bug in archplan;")
    assert "Traceback" not in err


def test_version() -> None:
    assert invoke("--version")[:2] == (0, f"archplan {__version__}\n")


@pytest.mark.parametrize("command", [[], ["trace"], ["params"], ["schema"]])
def test_help_on_every_command(command: list[str]) -> None:
    code, out, _ = invoke(*command, "--help")
    assert code == 0
    assert "Usage:" in out


def test_usage_errors_exit_2() -> None:
    code, _, err = invoke("trace")
    assert code == 2
    assert "Missing argument 'SPEC'" in err
