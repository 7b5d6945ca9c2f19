"""A spec's training options, end to end: a schedule, label smoothing, early stopping.

Each run plans three epochs of the tutorial's network on the generated CIFAR-10 of conftest.py,
with an early stopping that cannot be satisfied (``min_delta`` 10), so it stops after two.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import SPECS, run_metrics
from tests.keras.conftest import realize

pytestmark = pytest.mark.keras

STEPS_PER_EPOCH = 8  # 255 training images (300, 15 % validation) in batches of 32
ONE_CYCLE = {"type": "OneCycle", "max_learning_rate": 0.01}
COSINE = {
    "type": "CosineDecay",
    "initial_learning_rate": 0.001,
    "warmup_target": 0.01,
    "warmup_epochs": 1,
}


def spec_with(tmp_path: Path, learning_rate: dict[str, Any]) -> Path:
    spec = json.loads((SPECS / "tutorial-convnet.json").read_text())
    del spec["$schema"]
    spec["training"].update(
        optimizer={"type": "SGD", "learning_rate": learning_rate, "momentum": 0.5},
        label_smoothing=0.1,
        early_stopping={"monitor": "val_loss", "patience": 0, "min_delta": 10},
    )
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec))
    return path


def compile_config(run: Path) -> dict[str, Any]:
    with zipfile.ZipFile(run / "model.keras") as archive:
        config: dict[str, Any] = json.loads(archive.read("config.json"))["compile_config"]
    return config


@pytest.mark.parametrize(
    ("learning_rate", "schedule", "length"),
    [(ONE_CYCLE, "OneCycleSchedule", ("total_steps", 3 * STEPS_PER_EPOCH)),
     (COSINE, "CosineDecay", ("warmup_steps", STEPS_PER_EPOCH))],
)  # fmt: skip
def test_a_scheduled_smoothed_run_stops_early_and_will_not_resume(
    keras_module: ModuleType,
    tiny_cifar: Path,
    tmp_path: Path,
    learning_rate: dict[str, Any],
    schedule: str,
    length: tuple[str, int],
) -> None:
    run = tmp_path / "run"
    quick = ["--limit", "300", "--test-limit", "100", "--epochs", "3"]
    code, out, err = realize(
        spec_with(tmp_path, learning_rate), "--train", "--data", tiny_cifar, "--out", run, *quick
    )
    assert (code, err) == (0, ""), out

    result = run_metrics(run)
    assert (result["epochs"], result["epochs_planned"]) == (2, 3)
    assert (result["stopped_early"], result["completed"], result["interrupted"]) == (
        True,
        True,
        False,
    )
    assert result["test_accuracy"] is not None
    assert len(json.loads((run / "history.json").read_text())["epochs"]) == 2

    config = compile_config(run)
    rate = config["optimizer"]["config"]["learning_rate"]
    assert rate["class_name"] == schedule
    name, steps = length
    assert rate["config"][name] == steps  # lengths in epochs became steps: 8 per epoch
    assert config["loss"]["config"]["label_smoothing"] == 0.1

    code, out, err = realize("--resume", run, "--epochs", "5")
    assert (code, out) == (2, "")
    assert err == (
        f"error: {run} stopped early after epoch 2 of 3: val_loss stopped improving (patience 0), "
        "so its training is over; start a new run to train further (e.g. with a larger "
        "training.early_stopping.patience)\n"
    )


@pytest.mark.slow
def test_the_fast_spec_trains_one_epoch_end_to_end(
    keras_module: ModuleType, tiny_cifar: Path, tmp_path: Path
) -> None:
    """specs/cifar10-fast.json as it ships (flips, normalization, ResNet-9, one-cycle SGD with
    nesterov, label smoothing), on 300 images: 270 to train in batches of 64, 30 to validate."""
    run = tmp_path / "run"
    quick = ["--limit", "300", "--test-limit", "100", "--epochs", "1", "--batch-size", "64"]
    code, out, err = realize(
        SPECS / "cifar10-fast.json", "--train", "--data", tiny_cifar, "--out", run, *quick
    )
    assert (code, err) == (0, ""), out
    assert "engine and Keras agree on all 35 layers" in out

    result = run_metrics(run)
    assert (result["spec"], result["epochs"], result["completed"]) == ("cifar10-fast", 1, True)
    assert (result["train_samples"], result["val_samples"], result["test_samples"]) == (
        270,
        30,
        100,
    )
    assert 0.0 <= result["test_accuracy"] <= 1.0

    config = compile_config(run)
    optimizer = config["optimizer"]["config"]
    assert (optimizer["momentum"], optimizer["nesterov"]) == (0.9, True)
    rate = optimizer["learning_rate"]
    assert rate["class_name"] == "OneCycleSchedule"
    assert rate["config"]["total_steps"] == 5  # 270 images in batches of 64, the last one short
    assert config["loss"]["config"]["label_smoothing"] == 0.1
