"""``archplan realize`` end to end: the cross-check, its failures, and short training runs.

Runs train the tutorial's network for an epoch on 300 images of a generated image-folder
CIFAR-10 (see conftest.py), evaluating on 100 test images, so each takes seconds.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import zipfile
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from PIL import Image

from archplan import load_spec
from archplan.records.folder import spec_record
from archplan.report.realize import RunFiles
from tests.conftest import ROOT, SHARED, SPECS, run_metrics
from tests.keras.conftest import realize

pytestmark = pytest.mark.keras

TUTORIAL = str(SPECS / "tutorial-convnet.json")
DIMENSIONING = str(SPECS / "tutorial-dimensioning.json")
REAL_DATA = SHARED / "data" / "cifar10-jpeg.tar.xz"
RUN_FILES = {
    "model.keras", "history.json", "history.csv", "metrics.json", "summary.txt", "history.png",
    "spec.json", "run.json",
}  # fmt: skip
METRICS_KEYS = {
    "spec", "test_loss", "test_accuracy", "train_samples", "val_samples", "test_samples", "epochs",
    "epochs_planned", "train_seconds", "images_per_second", "backend", "device", "best_val_epoch",
    "best_val_accuracy", "train_val_gap", "keras_version", "seed", "command", "completed",
    "interrupted",
}  # fmt: skip


def train_args(data: Path, out: Path, *extra: str) -> list[str | Path]:
    quick = ["--limit", "300", "--test-limit", "100", "--epochs", "1"]
    return [TUTORIAL, "--train", "--data", data, "--out", out, *quick, *extra]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def history_rows(folder: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads((folder / "history.json").read_text())["epochs"]
    return rows


@pytest.fixture(scope="module")
def trained(
    keras_module: ModuleType, tiny_cifar: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """One finished one-epoch run, shared read-only; tests that change a run copy it first."""
    out = tmp_path_factory.mktemp("runs") / "tutorial"
    code, stdout, stderr = realize(*train_args(tiny_cifar, out))
    assert (code, stderr) == (0, ""), stdout
    return out


def copied(run: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(run, tmp_path / run.name))


# the cross-check -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "layers", "total"), [(TUTORIAL, 12, "631,658"), (DIMENSIONING, 8, "8,228")]
)
def test_the_engine_agrees_with_keras_on_the_shipped_specs(
    keras_module: ModuleType, spec: str, layers: int, total: str
) -> None:
    code, out, err = realize(spec)
    assert (code, err) == (0, "")
    assert f"Total params: {total}" in out  # model.summary()
    assert "engine vs Keras" in out
    assert (
        f"✓ engine and Keras agree on all {layers} layers' shapes and parameters ({total} parameters)"
        in out
    )
    assert "✗" not in out


@pytest.mark.parametrize(
    "spec", sorted(p.name for p in SPECS.glob("*.json") if not p.name.endswith(".schema.json"))
)
def test_the_engine_agrees_with_keras_on_every_shipped_spec(
    keras_module: ModuleType, spec: str
) -> None:
    code, out, err = realize(SPECS / spec)
    assert (code, err) == (0, ""), out
    assert "✓ engine and Keras agree on all" in out


def test_a_wrong_engine_row_exits_1_and_shows_the_row(
    keras_module: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    from archplan.cli import realize as command

    honest = command.traced

    def off_by_one(path: Path) -> Any:
        trace = honest(path)
        rows = list(trace.layers)
        rows[10] = replace(
            rows[10], output_shape=(65,), trainable_params=rows[10].trainable_params + 1
        )
        return replace(trace, layers=tuple(rows))

    monkeypatch.setattr(command, "traced", off_by_one)
    code, out, err = realize(TUTORIAL)
    assert code == 1
    differing = out[out.index("layers where the engine and Keras differ") :].splitlines()
    rows = [line.split() for line in differing if line.strip()[:1].isdigit()]
    assert rows == [["10", "dense_1", "(Dense)", "(65,)", "(64,)", "32,833", "32,832", "✗"]]
    assert "✗ 1 of 12 layers differ; totals 631,659 (engine) vs 631,658 (Keras)" in out
    assert err.strip() == (
        "error: the engine and Keras disagree: dense_1 (Dense); a bug in archplan's engine: please "
        "report it with the spec"
    )


def test_a_layer_keras_refuses_but_the_engine_accepts_exits_1(
    keras_module: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    from archplan.layers.core import Dense

    monkeypatch.setattr(Dense, "keras_arguments", lambda self: {"units": self.units, "bogus": 1})
    code, _, err = realize(DIMENSIONING)
    assert code == 1
    assert err.startswith(
        "error: the engine accepts this spec but Keras refuses layers[6] ('dense', Dense): "
    )
    assert len(err.strip().splitlines()) == 1


@pytest.mark.skipif(importlib.util.find_spec("jax") is not None, reason="jax is installed here")
def test_a_backend_that_is_not_installed_is_one_line_and_exit_2() -> None:
    code, out, err = realize(TUTORIAL, "--backend", "jax")
    assert (code, out) == (2, "")
    assert err == (
        "error: the Keras backend jax needs the 'jax' package, which is not installed; install it or "
        "pass --backend tensorflow or torch\n"
    )


def test_an_unknown_backend_is_refused() -> None:
    code, _, err = realize(TUTORIAL, "--backend", "theano")
    assert code == 2
    assert err == "error: unknown Keras backend 'theano'; choose one of tensorflow, jax, torch\n"


@pytest.mark.parametrize("out", ["--out-dir", "--out"])  # --out: the old name, kept
def test_training_options_without_train_are_refused(out: str) -> None:
    code, _, err = realize(TUTORIAL, "--epochs", "3", out, "x")
    assert (code, err) == (2, "error: --epochs, --out-dir: only for training; add --train\n")


def test_a_training_option_given_as_zero_is_still_an_option_given() -> None:
    code, _, err = realize(TUTORIAL, "--seed", "0")
    assert (code, err) == (2, "error: --seed: only for training; add --train\n")


def test_realize_help_imports_no_framework() -> None:
    probe = (
        "import sys\nfrom typer.testing import CliRunner\nfrom archplan.cli import app\n"
        "assert CliRunner().invoke(app, ['realize', '--help']).exit_code == 0\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'keras', 'tensorflow', 'jax', 'torch', 'numpy'}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stdout.strip() == "[]"


# training ------------------------------------------------------------------------------------


def test_a_run_folder_holds_every_output(trained: Path) -> None:
    assert {path.name for path in trained.iterdir()} == RUN_FILES
    rows = history_rows(trained)
    assert [row["epoch"] for row in rows] == [1]
    assert set(rows[0]) == {"epoch", "accuracy", "val_accuracy", "loss", "val_loss", "seconds"}
    assert all(isinstance(value, float) for key, value in rows[0].items() if key != "epoch")
    with (trained / "history.csv").open() as stream:
        table = list(csv.DictReader(stream))
    assert list(table[0]) == ["epoch", "accuracy", "val_accuracy", "loss", "val_loss", "seconds"]
    assert float(table[0]["val_accuracy"]) == pytest.approx(rows[0]["val_accuracy"])

    result = run_metrics(trained)
    assert set(result) >= METRICS_KEYS
    assert (result["train_samples"], result["val_samples"], result["test_samples"]) == (
        255,
        45,
        100,
    )
    assert (result["epochs"], result["epochs_planned"], result["completed"]) == (1, 1, True)
    assert (result["backend"], result["device"], result["spec"]) == (
        "tensorflow",
        "cpu",
        "tutorial-convnet",
    )
    assert 0.0 <= result["test_accuracy"] <= 1.0
    assert result["best_val_epoch"] == 1
    assert result["images_per_second"] > 0

    with Image.open(trained / "history.png") as image:
        assert image.format == "PNG"
    summary = (trained / "summary.txt").read_text()
    for part in ("Total params: 631,658", "engine vs Keras", "Run summary", "Test accuracy"):
        assert part in summary
    assert spec_record(load_spec(TUTORIAL)) == json.loads((trained / "spec.json").read_text())
    settings = json.loads((trained / "run.json").read_text())["settings"]
    assert (settings["limit"], settings["test_limit"], settings["seed"]) == (300, 100, 0)
    with zipfile.ZipFile(trained / "model.keras") as archive:
        assert "config.json" in archive.namelist()


def test_the_saved_model_is_the_trained_one(trained: Path, keras_module: ModuleType) -> None:
    model = keras_module.saving.load_model(trained / "model.keras")
    assert model.count_params() == 631_658
    assert model.optimizer.iterations.numpy() == 8  # 255 images in batches of 32


def test_a_second_run_into_the_same_folder_is_refused_untouched(
    trained: Path, tiny_cifar: Path
) -> None:
    before = snapshot(trained)
    code, out, err = realize(*train_args(tiny_cifar, trained))
    assert (code, out) == (2, "")
    assert err.startswith(f"error: {trained} already holds files, and a run is never overwritten")
    assert snapshot(trained) == before


def test_force_replaces_archplans_files_and_keeps_the_users(
    trained: Path, tiny_cifar: Path, tmp_path: Path
) -> None:
    run = copied(trained, tmp_path)
    (run / "notes.txt").write_text("mine")
    code, _, err = realize(*train_args(tiny_cifar, run, "--seed", "5", "--force"))
    assert (code, err) == (0, "")
    assert (run / "notes.txt").read_text() == "mine"
    assert run_metrics(run)["seed"] == 5
    assert not [path.name for path in run.iterdir() if path.name.startswith(".")]  # no temporaries


def test_resume_trains_on_from_the_next_epoch(trained: Path, tmp_path: Path) -> None:
    run = copied(trained, tmp_path)
    first = history_rows(run)[0]
    code, out, err = realize("--resume", run, "--epochs", "2")
    assert (code, err) == (0, ""), out
    rows = history_rows(run)
    assert [row["epoch"] for row in rows] == [1, 2]
    assert rows[0] == first
    result = run_metrics(run)
    assert (result["epochs"], result["epochs_planned"], result["completed"]) == (2, 2, True)
    assert (result["train_samples"], result["val_samples"]) == (255, 45)  # the same split
    assert "epoch 2/2" in out
    assert "epoch 1/2" not in out


def test_resume_refuses_a_changed_split_and_a_finished_run(trained: Path, tmp_path: Path) -> None:
    run = copied(trained, tmp_path)
    before = snapshot(run)
    assert realize("--resume", run, "--limit", "200")[2] == (
        "error: --resume continues a run with its own data, limits and seed; drop --limit\n"
    )
    code, _, err = realize("--resume", run)
    assert code == 2
    assert "already has 1 epochs; pass --epochs N with N > 1 to train on" in err
    assert snapshot(run) == before


class StopAtEpoch(RunFiles):
    """Stands in for the console watcher; does what a user does at a chosen epoch."""

    wants_steps = True

    def realized(self, realized: Any) -> None:
        pass

    def training_started(self, *_: Any) -> None:
        pass

    def __init__(self, epoch: int, action: str) -> None:
        self.epoch, self.action = epoch, action
        self.steps_after_signal = 0
        self.signal_returned = False

    def epoch_started(self, epoch: int, epochs: int, steps: int) -> None:
        if epoch == self.epoch and self.action == "raise":
            raise KeyboardInterrupt

    def batch_ended(self, step: int, logs: Mapping[str, float]) -> None:
        if self.signal_returned:
            self.steps_after_signal += 1
        elif self.action == "signal" and step == 2 and self._epoch_is_due():
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C
            self.signal_returned = True

    def epoch_ended(self, record: Any, epochs: int, seconds_left: float) -> None:
        self.done = record.epoch

    def close(self) -> None:
        pass

    def _epoch_is_due(self) -> bool:
        return getattr(self, "done", 0) == self.epoch - 1


@pytest.mark.parametrize("action", ["raise", "signal"])
def test_ctrl_c_keeps_the_last_completed_epoch_and_resume_goes_on(
    action: str, tiny_cifar: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A KeyboardInterrupt, or a real SIGINT (stop after the current step), during epoch 2."""
    user = StopAtEpoch(2, action)
    monkeypatch.setattr("archplan.report.realize.ConsoleWatcher", lambda console: user)
    monkeypatch.chdir(tmp_path)
    args = train_args(tiny_cifar, tmp_path, "--epochs", "3")
    code, out, err = realize(*[a for a in args if a not in ("--out", tmp_path)])
    assert (code, err) == (130, ""), out
    if action == "signal":
        assert user.signal_returned  # our handler took the signal: no KeyboardInterrupt
        assert user.steps_after_signal == 0  # stopped after the current step
    (run,) = (tmp_path / "runs").iterdir()
    assert run.name.startswith("tutorial-convnet-")
    assert "Interrupted: the run folder holds the last completed epoch" in out
    result = run_metrics(run)
    assert (result["completed"], result["interrupted"], result["epochs"]) == (False, True, 1)
    assert result["test_accuracy"] is None
    assert [row["epoch"] for row in history_rows(run)] == [1]
    assert {path.name for path in run.iterdir()} >= RUN_FILES

    monkeypatch.undo()
    code, out, err = realize("--resume", run, "--epochs", "2")
    assert (code, err) == (0, ""), out
    assert [row["epoch"] for row in history_rows(run)] == [1, 2]
    assert run_metrics(run)["completed"] is True


def test_a_network_that_cannot_take_cifar10_is_refused_before_loading(tmp_path: Path) -> None:
    spec = tmp_path / "mnist.json"
    spec.write_text(
        json.dumps(
            {
                "input": {"shape": [28, 28, 1]},
                "layers": [{"type": "Flatten"}, {"type": "Dense", "units": 10}],
            }
        )
    )
    code, _, err = realize(spec, "--train", "--out", tmp_path / "run")
    assert code == 2
    assert err == (
        "error: CIFAR-10 images are (32, 32, 3) but the spec's input is (28, 28, 1); set input.shape "
        "to [32, 32, 3]\n"
    )
    assert not (tmp_path / "run").exists()


def test_without_data_a_failed_download_says_how_to_pass_data(
    keras_module: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def offline() -> None:
        raise OSError("no network")

    monkeypatch.setattr(keras_module.datasets.cifar10, "load_data", offline)
    code, _, err = realize(TUTORIAL, "--train", "--out", tmp_path / "run", "--epochs", "1")
    assert code == 2
    assert err.startswith(
        "error: could not download CIFAR-10 through Keras (no network); pass --data PATH"
    )
    assert len(err.splitlines()) == 1


@pytest.mark.slow
@pytest.mark.skipif(not REAL_DATA.exists(), reason=f"{REAL_DATA} is not here")
def test_a_short_run_on_the_real_data(keras_module: ModuleType, tmp_path: Path) -> None:
    code, out, err = realize(*train_args(REAL_DATA, tmp_path / "run"))
    assert (code, err) == (0, ""), out
    result = run_metrics(tmp_path / "run")
    assert (result["train_samples"], result["val_samples"], result["test_samples"]) == (
        255,
        45,
        100,
    )
    assert "cifar10-jpeg.tar.xz" in result["data"]
