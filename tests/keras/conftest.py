"""Fixtures for the tests that build or train real Keras models: the backend, a tiny CIFAR-10."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from typer.testing import CliRunner

from archplan.cli import app

TINY_TRAIN_PER_CLASS = 40
TINY_TEST_PER_CLASS = 10

PLAIN_TERMINAL = {"COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb"}


def realize(*args: str | Path) -> tuple[int, str, str]:
    """``archplan realize ARGS`` in process, on a plain 120-column terminal: code, stdout, stderr."""
    result = CliRunner().invoke(app, ["realize", *map(str, args)], env=PLAIN_TERMINAL)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="session")
def keras_module() -> ModuleType:
    """Keras on TensorFlow, chosen the way ``archplan realize`` chooses it."""
    pytest.importorskip("keras")
    from archplan.keras.backend import load_keras

    return load_keras("tensorflow")


@pytest.fixture(scope="session")
def tiny_cifar(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An image-folder CIFAR-10 of 400 training and 100 test PNGs, each class its own tint.

    The tint makes the classes learnable, so a run's accuracy moves; the noise keeps it honest.
    """
    from PIL import Image

    from archplan.data import CIFAR10_CLASSES

    root = tmp_path_factory.mktemp("tiny-cifar10")
    rng = np.random.default_rng(0)
    for split, count in (("train", TINY_TRAIN_PER_CLASS), ("test", TINY_TEST_PER_CLASS)):
        for label, name in enumerate(CIFAR10_CLASSES):
            folder = root / split / name
            folder.mkdir(parents=True)
            tint = np.zeros((32, 32, 3), np.int64)
            tint[..., label % 3] = 20 * label
            for number in range(count):
                noise = rng.integers(0, 60, size=(32, 32, 3))
                pixels = np.clip(tint + noise, 0, 255).astype(np.uint8)
                Image.fromarray(pixels).save(folder / f"{number:04d}.png")
    return root
