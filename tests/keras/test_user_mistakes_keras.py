"""User mistakes that reach training: one line, exit 2, and a run folder that never dead-ends."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from tests.conftest import ROOT, SPECS, chain
from tests.keras.conftest import PLAIN_TERMINAL, realize

pytestmark = pytest.mark.keras

TUTORIAL = str(SPECS / "tutorial-convnet.json")
QUICK = ["--limit", "120", "--test-limit", "30", "--epochs", "1"]


def refused(*args: str | Path) -> str:
    code, out, err = realize(*args)
    assert code == 2, out + err
    assert err.count("\n") == 1, err
    return err.removeprefix("error: ").rstrip("\n")


@pytest.fixture(scope="module")
def three_classes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An image-folder data set of three classes, 20 training and 5 test images each."""
    from PIL import Image

    root = tmp_path_factory.mktemp("three-classes")
    rng = np.random.default_rng(1)
    for split, count in (("train", 20), ("test", 5)):
        for label, name in enumerate(("cats", "dogs", "owls")):
            folder = root / split / name
            folder.mkdir(parents=True)
            for number in range(count):
                pixels = rng.integers(0, 80, size=(32, 32, 3)) + 50 * label
                Image.fromarray(pixels.astype(np.uint8)).save(folder / f"{number}.png")
    return root


def small_classifier(units: int) -> dict[str, object]:
    return {
        **chain(
            {"type": "Conv2D", "filters": 4, "kernel_size": 3, "activation": "relu"},
            {"type": "GlobalAveragePooling2D"},
            {"type": "Dense", "units": units, "activation": "softmax"},
        ),
        "training": {"optimizer": "adam", "validation_split": 0.2, "batch_size": 16},
    }


def test_a_data_set_whose_classes_differ_from_the_output_is_refused_before_training(
    keras_module: ModuleType, three_classes: Path, tmp_path: Path
) -> None:
    spec = tmp_path / "ten.json"
    spec.write_text(json.dumps(small_classifier(10)))
    out = tmp_path / "run"
    assert refused(spec, "--train", "--data", three_classes, "--out", out) == (
        "the data has 3 classes (cats, dogs, owls) but the network's output is (10,); end it with "
        "a Dense layer of 3 units, or pass data with 10 classes"
    )
    assert not out.exists()


def test_a_network_with_one_unit_per_class_trains_on_any_number_of_classes(
    keras_module: ModuleType, three_classes: Path, tmp_path: Path
) -> None:
    spec = tmp_path / "three.json"
    spec.write_text(json.dumps(small_classifier(3)))
    out = tmp_path / "run"
    code, stdout, err = realize(spec, "--train", "--data", three_classes, "--out", out)
    assert (code, err) == (0, ""), stdout
    assert json.loads((out / "metrics.json").read_text())["completed"] is True


def test_a_run_that_failed_before_its_first_epoch_leaves_its_folder_free(
    keras_module: ModuleType, tiny_cifar: Path, tmp_path: Path
) -> None:
    """--limit 1 leaves no training image once validation takes its share: the run fails after
    its folder is claimed, and both pieces of advice then work."""
    out = tmp_path / "run"
    message = refused(
        TUTORIAL, "--train", "--data", tiny_cifar, "--out", out, "--limit", "1", "--epochs", "1"
    )
    assert message.startswith(
        "validation_split 0.15 of 1 training images leaves no training images"
    )
    assert {path.name for path in out.iterdir()} >= {"run.json", "spec.json"}

    resumed = refused("--resume", out)
    assert resumed == (
        f"--resume {out}: it has no model.keras, so there is nothing to resume (a run saves its "
        f"model after its first epoch); start a new run in it instead: archplan realize SPEC "
        f"--train --out-dir {out}"
    )
    code, stdout, err = realize(TUTORIAL, "--train", "--data", tiny_cifar, "--out", out, *QUICK)
    assert (code, err) == (0, ""), stdout


def test_a_run_folder_whose_spec_was_edited_is_refused_on_resume(
    keras_module: ModuleType, tiny_cifar: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    code, stdout, err = realize(TUTORIAL, "--train", "--data", tiny_cifar, "--out", out, *QUICK)
    assert (code, err) == (0, ""), stdout
    saved = json.loads((out / "spec.json").read_text())
    saved["layers"][0]["filters"] += 1
    (out / "spec.json").write_text(json.dumps(saved))
    message = refused("--resume", out, "--epochs", "2")
    assert message.startswith(f"{out / 'spec.json'} no longer describes the run's model.keras (")
    assert message.endswith("was it edited after the run started? restore it, or start a new run")

    saved["layers"][0].update(kernel_size=40, padding="valid")  # impossible: the engine refuses it
    (out / "spec.json").write_text(json.dumps(saved))
    message = refused("--resume", out, "--epochs", "2")
    assert message.startswith(f"{out / 'spec.json'}: the run's saved spec is no longer valid (")


def test_a_network_too_large_for_the_machine_is_refused_before_keras_builds_it(
    keras_module: ModuleType, tmp_path: Path
) -> None:
    spec = tmp_path / "huge.json"
    spec.write_text(json.dumps(chain({"type": "Flatten"}, {"type": "Dense", "units": 10**12})))
    message = refused(spec)
    assert message.startswith(
        "the network's 3,073,000,000,000,000 parameters take 10.92 PB as float32, "
    )
    assert "more than this machine's" in message
    assert message.endswith(
        "of memory; make it smaller (fewer filters or units) before building it"
    )


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="jax is not installed")
def test_training_on_jax_never_loads_tensorflow(tiny_cifar: Path, tmp_path: Path) -> None:
    probe = (
        "import sys\n"
        "from archplan.cli import main\n"
        "sys.argv[0] = 'archplan'\n"
        "try:\n    main()\nexcept SystemExit as done:\n    code = done.code\n"
        "print('tensorflow loaded:', 'tensorflow' in sys.modules)\n"
    )
    args = [
        TUTORIAL,
        "--train",
        "--backend",
        "jax",
        "--data",
        tiny_cifar,
        "--out",
        tmp_path / "run",
        *QUICK,
    ]
    done = subprocess.run(
        [sys.executable, "-c", probe, "realize", *map(str, args)],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, **PLAIN_TERMINAL}, timeout=600,
    )  # fmt: skip
    assert done.stderr == "", done.stderr
    assert done.stdout.rstrip().endswith("tensorflow loaded: False"), done.stdout
