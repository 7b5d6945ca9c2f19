"""``--jit-compile`` and ``--mixed-precision``: how a run computes changes, its model does not.

The end-to-end test trains the tutorial's network for an epoch on the generated CIFAR-10 of
conftest.py, then resumes it, and reads what the run folder says and holds.
"""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from archplan.data import CIFAR10_CLASSES, Dataset
from archplan.errors import RunError
from archplan.keras.fit import load_run_model
from archplan.keras.speed import jit_argument, output_dtype, precision
from archplan.keras.split import prepare_split
from archplan.records.folder import MODEL_FILE, SETTINGS_FILE, RunFolder
from archplan.records.settings import Overrides, RunSettings, new_settings, resumed_settings
from archplan.schema import Training, load_spec
from tests.conftest import SPECS, run_metrics
from tests.keras.conftest import realize

TUTORIAL = SPECS / "tutorial-convnet.json"
SAVED = RunSettings("tutorial", "data", 300, 100, 0, 1, 32, "tensorflow")


# settings ------------------------------------------------------------------------------------


def test_archplans_default_is_keras_own_auto_and_the_flags_force_xla_either_way() -> None:
    assert [jit_argument(value) for value in (None, True, False)] == ["auto", True, False]


def test_only_mixed_precision_gives_the_output_layer_a_dtype_of_its_own() -> None:
    assert (output_dtype(True), output_dtype(False)) == ("float32", None)


def test_the_options_become_run_settings() -> None:
    network = load_spec(TUTORIAL)
    chosen = Overrides(jit_compile=False, mixed_precision=True, distribute=True)
    settings = new_settings(network, chosen, "jax")
    assert (settings.jit_compile, settings.mixed_precision, settings.distribute) == (
        False,
        True,
        True,
    )
    default = new_settings(network, Overrides(), "jax")
    assert (default.jit_compile, default.mixed_precision, default.distribute) == (
        None,
        False,
        False,
    )


def test_a_resumed_run_keeps_its_options_unless_told_otherwise() -> None:
    saved = replace(SAVED, jit_compile=True, mixed_precision=True, distribute=True)
    assert resumed_settings(saved, Overrides(), "tensorflow") == saved
    changed = resumed_settings(saved, Overrides(jit_compile=False, distribute=False), "tensorflow")
    assert (changed.jit_compile, changed.distribute, changed.mixed_precision) == (
        False,
        False,
        True,
    )


def test_a_resumed_run_cannot_change_its_precision() -> None:
    with pytest.raises(
        RunError, match=r"in the precision it was started with .*drop --mixed-precision"
    ):
        resumed_settings(SAVED, Overrides(mixed_precision=True), "tensorflow")


def test_a_run_saved_before_the_options_existed_resumes_with_them_off(tmp_path: Path) -> None:
    old = {key: value for key, value in asdict(SAVED).items()
           if key not in ("jit_compile", "mixed_precision", "distribute")}  # fmt: skip
    (tmp_path / SETTINGS_FILE).write_text(json.dumps({"settings": old}))
    assert RunFolder(tmp_path).read_settings() == SAVED


def test_sets_are_evened_to_the_device_count_by_dropping_their_last_few_images() -> None:
    images = np.zeros((21, 32, 32, 3), np.uint8)
    labels = np.arange(21) % 10
    data = Dataset(images, labels, images[:7], labels[:7], CIFAR10_CLASSES, "test")
    split = prepare_split(data, Training(validation_split=0.25), seed=0)  # 15 + 6, test 7
    evened = split.evened(4)
    assert (len(evened.x_train), len(evened.y_train)) == (12, 12)
    assert (len(evened.x_val), len(evened.x_test), len(evened.y_test)) == (4, 4, 4)
    assert np.array_equal(evened.x_train, split.x_train[:12])
    assert split.evened(1) is split
    with pytest.raises(
        RunError, match=r"^the validation and test sets have fewer images than the 8 devices"
    ):
        split.evened(8)
    with pytest.raises(RunError, match=r"^the validation set has fewer images than the 7 devices"):
        split.evened(7)


# end to end ----------------------------------------------------------------------------------


@pytest.mark.keras
def test_mixed_precision_and_xla_train_the_same_model_and_resume_alike(
    keras_module: ModuleType, tiny_cifar: Path, tmp_path: Path
) -> None:
    run = tmp_path / "run"
    quick = ["--limit", "100", "--test-limit", "20", "--epochs", "1"]
    options = ["--mixed-precision", "--jit-compile"]
    code, out, err = realize(
        TUTORIAL, "--train", "--data", tiny_cifar, "--out", run, *quick, *options
    )
    assert (code, err) == (0, ""), out
    assert "Total params: 631,658" in out
    assert "✓ engine and Keras agree on all 12 layers" in out
    result = run_metrics(run)
    assert (result["mixed_precision"], result["jit_compile"]) == (True, True)
    assert (result["devices"], result["distribution"]) == (1, None)
    assert result["test_loss"] is not None  # finite: the loss is computed in float32
    assert keras_module.mixed_precision.global_policy().name == "float32"  # put back after the run

    with precision(True):  # as --resume loads it: Keras wraps the optimizer for loss scaling again
        model = load_run_model(run / MODEL_FILE)
    policies = [layer.dtype_policy.name for layer in model.layers[1:]]  # after the InputLayer
    assert policies == ["mixed_float16"] * 11 + ["float32"]  # the softmax stays in float32
    assert model.outputs[0].dtype == "float32"
    assert type(model.optimizer).__name__ == "LossScaleOptimizer"

    code, out, err = realize("--resume", run, "--epochs", "2", "--no-jit-compile")
    assert (code, err) == (0, ""), out
    resumed = run_metrics(run)  # the precision kept, XLA turned off as asked
    assert (resumed["epochs"], resumed["mixed_precision"], resumed["jit_compile"]) == (
        2,
        True,
        False,
    )
    settings = json.loads((run / SETTINGS_FILE).read_text())["settings"]
    assert (settings["mixed_precision"], settings["jit_compile"]) == (True, False)


@pytest.mark.keras
def test_the_default_run_records_what_keras_made_of_auto(
    keras_module: ModuleType, tiny_cifar: Path, tmp_path: Path
) -> None:
    run = tmp_path / "run"
    quick = ["--limit", "100", "--test-limit", "20", "--epochs", "1"]
    code, out, err = realize(TUTORIAL, "--train", "--data", tiny_cifar, "--out", run, *quick)
    assert (code, err) == (0, ""), out
    result = run_metrics(run)
    # Keras' "auto": no XLA for TensorFlow on a CPU alone
    assert (result["jit_compile"], result["mixed_precision"]) == (False, False)
    assert (result["devices"], result["distribution"], result["stopped_early"]) == (1, None, False)


def test_the_plot_is_redrawn_after_an_epoch_at_most_every_so_often() -> None:
    from archplan.runs.lifecycle import Every

    due = Every(3600)
    assert [due(), due(), due()] == [True, False, False]
    assert [Every(0)() for _ in range(2)] == [True, True]
