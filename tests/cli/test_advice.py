"""Advice that works when pasted: each command a refusal suggests is run, and succeeds.

The training cases (Ctrl-C in the first epoch) are in tests/keras/test_advice_keras.py.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archplan.cli import app
from archplan.errors import RunError
from archplan.records.folder import RunFolder

runner = CliRunner()
PLAIN = {"COLUMNS": "250", "NO_COLOR": "1", "TERM": "dumb"}


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=PLAIN)
    return result.exit_code, result.stdout, result.stderr


def pasted(advice: str) -> list[str]:
    """The arguments of the ``archplan ...`` command a message ends with."""
    found = re.search(r"(?:try|with): (archplan [^;]+?)\s*$", advice)
    assert found, advice
    words = shlex.split(found.group(1))
    assert words[0] == "archplan"
    return words[1:]


@pytest.mark.parametrize(
    "args",
    [
        "--input 32 --output 16 --stride 2 --dilation 2",  # Keras forbids both above 1
        "--input 32 --output 16 --dilation 2",
        "--input 32 --output 30 --kernel 5 --padding same",
        "--input 32 --output 2",
        "--input 1000 --output 1",
        "--input 100 --output 3",
        "--input 7 --output 5 --layer pool --stride 3",
        "--input 8 --output 17 --layer transpose --stride 2 --padding same",
    ],
)
def test_solve_s_advice_has_answers(args: str) -> None:
    code, out, err = invoke("solve", *args.split())
    assert (code, out) == (2, "")
    if "--stride 2 --dilation 2" in args:
        assert "Keras forbids a stride and a dilation both above 1 in one layer" in err
    code, out, again = invoke(*pasted(err))
    assert code == 0, again
    assert "turns" in out or "Conv" in out or "Pool" in out


IN = [[["x", 0, 0]]]


def model(*layers: dict[str, object]) -> dict[str, object]:
    """A Functional model: an 8×8×3 input, then each layer on the one before."""
    entries: list[dict[str, object]] = [{"class_name": "InputLayer", "name": "x", "inbound_nodes": [],
                "config": {"batch_shape": [None, 8, 8, 3], "name": "x"}}]  # fmt: skip
    previous = "x"
    for layer in layers:
        name = str(layer["name"])
        entries.append({
            "module": "keras.layers", "class_name": layer["class_name"], "name": name,
            "config": {"name": name, **layer["config"]},  # type: ignore[dict-item]
            "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__",
                                         "config": {"keras_history": [previous, 0, 0]}}], "kwargs": {}}],
        })  # fmt: skip
        previous = name
    return {"class_name": "Functional", "config": {"name": "m", "layers": entries,
            "input_layers": [["x", 0, 0]], "output_layers": [[previous, 0, 0]]}}  # fmt: skip


CONV = {"class_name": "Conv2D", "name": "c", "config": {"filters": 4, "kernel_size": [3, 3]}}


@pytest.mark.parametrize(
    ("layer", "said"),
    [
        ({"class_name": "LSTM", "name": "lstm", "config": {"units": 4}},
         "1 kind of layer archplan does not model yet: LSTM ×1 (lstm)"),
        ({"class_name": "Conv2D", "name": "bad", "config": {"filters": -5, "kernel_size": [3, 3]}},
         "1 layer with a value archplan's rules refuse: bad (Conv2D: filters: input should be greater than 0, got -5)"),
        ({"class_name": "Rescaling", "name": "r", "config": {"scale": float("nan"), "offset": 0.0}},
         "1 layer with a value archplan's rules refuse: r (Rescaling: scale: expected a finite number"),
    ],
)  # fmt: skip
def test_import_s_partial_advice_imports(
    tmp_path: Path, layer: dict[str, object], said: str
) -> None:
    """An invalid value is said to be one, not 'a kind of layer archplan does not model'."""
    path = tmp_path / "model.json"
    path.write_text(json.dumps(model(CONV, layer)))
    code, out, err = invoke("import", str(path))
    assert (code, out) == (2, "")
    assert f"{path}: {said}" in err
    assert err.rstrip().endswith(
        f"--partial imports the model up to the first of them ({layer['name']})"
    )
    if "value" in said:
        assert "does not model yet" not in err
    code, out, _ = invoke("import", str(path), "--partial")
    assert code == 0
    assert json.loads(out)["layers"][0]["type"] == "Conv2D"


def test_import_offers_no_partial_that_would_keep_nothing(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    path.write_text(
        json.dumps(model({"class_name": "LSTM", "name": "lstm", "config": {"units": 4}}))
    )
    code, _, err = invoke("import", str(path))
    assert code == 2
    assert "--partial" not in err


def test_a_folder_that_is_not_a_run_is_not_offered_resume(tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "todo.txt").write_text("mine")
    with pytest.raises(RunError) as caught:
        RunFolder.check_free(folder, force=False)
    assert "--resume" not in str(caught.value)
    with pytest.raises(RunError) as caught:
        RunFolder.reopen(folder)
    assert str(caught.value) == (
        f"--resume {folder}: not a run folder (it has no run.json); name the folder that "
        "archplan realize --train wrote"
    )


def test_a_run_that_saved_no_epoch_is_advised_its_own_command(tmp_path: Path) -> None:
    """The command it was started with, into the same folder, which such a run leaves free."""
    folder = tmp_path / "run"
    run = RunFolder.claim(folder, force=False)
    command = "archplan realize my\\ spec.json --train --epochs 1 --out elsewhere"
    run.write_json("run.json", {"settings": {}, "command": command})
    run.write_json("spec.json", {})
    with pytest.raises(RunError) as caught:
        RunFolder.reopen(folder)
    assert str(caught.value).endswith(
        f"start it again with: archplan realize 'my spec.json' --train --epochs 1 --out-dir {folder}"
    )
    RunFolder.check_free(folder, force=False)  # the advised command may claim it
