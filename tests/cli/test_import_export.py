"""``archplan import`` and ``archplan export`` through typer's CliRunner: where the result goes,
what is never overwritten, and one line for every mistake."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archplan import load_spec, parse_spec
from archplan.cli import app
from tests.conftest import SPECS
from tests.interop.keras_configs import conv, functional, layer, tensor, write_json, write_keras

runner = CliRunner()
ENV = {"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}
DIMENSIONING = SPECS / "tutorial-dimensioning.json"
IN = tensor("input_layer", (8, 8, 3))


def invoke(*args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(arg) for arg in args], env=ENV)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def model(tmp_path: Path) -> Path:
    return write_keras(
        tmp_path, functional(conv("c", IN), layer("Flatten", "f", tensor("c", (8, 8, 4))))
    )


def test_import_prints_the_spec_on_stdout(model: Path) -> None:
    code, out, err = invoke("import", model)
    assert (code, err) == (0, "")
    spec = parse_spec(json.loads(out))
    assert [layer.name for layer in spec.layers] == ["c", "f"]


def test_import_writes_a_new_file_and_never_overwrites_one_unasked(
    model: Path, tmp_path: Path
) -> None:
    output = tmp_path / "spec.json"
    code, out, _ = invoke("import", model, "-o", output)
    assert code == 0
    assert out == f"wrote {output}: model, 2 layers, 112 parameters, 6,912 MACs\n"
    assert load_spec(output).layers[0].name == "c"
    output.write_text("mine", encoding="utf-8")
    code, _, err = invoke("import", model, "-o", output)
    assert code == 2
    assert err == (
        f"error: {output}: already exists, and archplan never overwrites a file unasked; choose "
        "another -o, or pass --force to replace it\n"
    )
    assert output.read_text(encoding="utf-8") == "mine"
    assert invoke("import", model, "-o", output, "--force")[0] == 0
    assert load_spec(output).layers[0].name == "c"
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".")] == []


def test_import_notes_go_to_stderr_and_the_spec_to_stdout(tmp_path: Path) -> None:
    path = write_json(tmp_path, functional(conv("c", IN, bias_constraint={"class_name": "NonNeg"})))
    code, out, err = invoke("import", path)
    assert code == 0
    assert json.loads(out)["layers"][0]["name"] == "c"
    assert (
        err
        == f"note: {path}: not kept (no effect on the plan): bias_constraint (NonNeg) on 1 layer (c)\n"
    )


def test_import_partial_says_where_it_cut(tmp_path: Path) -> None:
    path = write_json(
        tmp_path,
        functional(conv("c", IN), layer("Custom", "mine", tensor("c"), module="my.layers")),
    )
    code, _, err = invoke("import", path)
    assert code == 2
    assert err.count("\n") == 1
    assert "Custom (a custom class, from my.layers) ×1 (mine)" in err
    code, out, err = invoke("import", path, "--partial")
    assert code == 0
    assert err.startswith(
        f"note: {path}: --partial: cut before mine (Custom (a custom class, from my.layers)); the spec ends at 'c'"
    )
    assert [layer["name"] for layer in json.loads(out)["layers"]] == ["c"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--input-shape", "224,224,3"], None),
        (["--input-shape", "224x224x3"], None),
        (["--input-shape", "224,224"], "error: {model}: the imported spec does not trace: layers[0] ('c', Conv2D) on input (224, 224): Conv2D expects an input of rank 3"),
        (["--input-shape", "224,0,3"], "error: --input-shape '224,0,3': expected sizes > 0 separated by commas, without the batch axis, e.g. --input-shape 224,224,3\n"),
        (["--input-shape", "a,b"], "error: --input-shape 'a,b': expected sizes > 0"),
    ],
)  # fmt: skip
def test_input_shape_option(model: Path, arguments: list[str], message: str | None) -> None:
    code, out, err = invoke("import", model, *arguments)
    if message is None:
        assert code == 0, err
        assert json.loads(out)["input"]["shape"][:2] == [224, 224]
    else:
        assert code == 2
        assert err.startswith(message.format(model=model))


def test_export_prints_a_script_or_keras_json(tmp_path: Path) -> None:
    code, out, err = invoke("export", DIMENSIONING)
    assert (code, err) == (0, "")
    assert out.startswith('"""tutorial-dimensioning: a Keras model exported by archplan from')
    assert "def build_model():" in out
    code, out, _ = invoke("export", DIMENSIONING, "--format", "keras-json")
    assert code == 0
    assert json.loads(out)["class_name"] == "Sequential"


def test_export_writes_files_atomically_and_refuses_to_overwrite(tmp_path: Path) -> None:
    output = tmp_path / "model.py"
    assert invoke("export", DIMENSIONING, "-o", output) == (0, f"wrote {output}\n", "")
    first = output.read_text(encoding="utf-8")
    code, _, err = invoke("export", DIMENSIONING, "-o", output, "--format", "keras-json")
    assert code == 2
    assert "already exists" in err
    assert output.read_text(encoding="utf-8") == first
    assert invoke("export", DIMENSIONING, "-o", output, "--format", "keras-json", "--force")[0] == 0
    assert json.loads(output.read_text(encoding="utf-8"))["class_name"] == "Sequential"


def test_export_warns_when_main_cannot_train_on_cifar10(tmp_path: Path) -> None:
    spec = tmp_path / "big.json"
    spec.write_text(
        json.dumps(
            {"input": {"shape": [64, 64, 3]}, "layers": [{"type": "GlobalAveragePooling2D"}]}
        )
    )
    code, _, err = invoke("export", spec)
    assert code == 0
    assert err == (
        f"warning: {spec}: the network takes (64, 64, 3) and gives (3,), not CIFAR-10's (32, 32, 3) "
        "images and 10 classes: the script's build_model() is exact, its main() needs your own data\n"
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["export", "missing.json"], "error: missing.json: no such file; check the path (ready specs are in specs/)\n"),
        (["export", str(DIMENSIONING), "--format", "onnx"], "error: Invalid value for '--format': 'onnx' is not one of 'python', 'keras-json', 'torch'."),
        (["import", "missing.keras"], "error: missing.keras: no such file; check the path\n"),
        (["export", str(DIMENSIONING), "-o", "no/such/folder/model.py"],
         "error: no/such/folder/model.py: the directory no/such/folder does not exist; create it first or write elsewhere\n"),
    ],
)  # fmt: skip
def test_mistakes_are_one_line_and_exit_2(arguments: list[str], message: str) -> None:
    code, out, err = invoke(*arguments)
    assert (code, out) == (2, "")
    assert err.startswith(message)
    assert err.count("\n") == 1


def test_an_output_that_is_a_folder_is_refused_before_any_work(tmp_path: Path) -> None:
    code, _, err = invoke("export", DIMENSIONING, "-o", tmp_path)
    assert code == 2
    assert err == f"error: {tmp_path}: is a directory; name a file inside it\n"


@pytest.mark.parametrize(
    ("text", "shape"), [("224,224,3", (224, 224, 3)), ("32x32x3", (32, 32, 3)), ("32 × 32 × 3", (32, 32, 3)), ("100", (100,))]
)  # fmt: skip
def test_one_shape_parser_reads_both_separators(text: str, shape: tuple[int, ...]) -> None:
    from archplan.cli.importing import parse_shape as import_shape
    from archplan.rules.shapes import parse_shape

    assert parse_shape(text) == import_shape(text) == shape
