"""Keras as the oracle of the inference-mode check: a spec ``evaluation_refusal`` refuses is one
whose Keras model builds and trains but cannot run at inference (fit's validation), and one it
accepts runs in both modes."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np
import pytest

from archplan import parse_spec
from archplan.engine.evaluation import evaluation_refusal
from archplan.keras.build import build_model
from tests.conftest import chain

pytestmark = pytest.mark.keras

CROP = {"type": "RandomCrop", "height": 12, "width": 12}
CASES: list[tuple[list[dict[str, Any]], bool]] = [
    # layers after a 16×16 input, and whether Keras can evaluate them
    ([CROP, {"type": "Conv2D", "filters": 4, "kernel_size": 3}, {"type": "Flatten"},
      {"type": "Dense", "units": 3}], False),
    ([CROP, {"type": "Conv2D", "filters": 4, "kernel_size": 3},
      {"type": "GlobalAveragePooling2D"}, {"type": "Dense", "units": 3}], True),
    ([{**CROP, "height": 16, "width": 16}, {"type": "Flatten"}, {"type": "Dense", "units": 3}],
     True),
    ([{"type": "Cropping2D", "cropping": 2}, {"type": "Flatten"}, {"type": "Dense", "units": 3}],
     True),
]  # fmt: skip


@pytest.mark.parametrize(("layers", "evaluates"), CASES)
def test_the_check_agrees_with_keras_at_inference(
    keras_module: ModuleType, layers: list[dict[str, Any]], evaluates: bool
) -> None:
    network = parse_spec(chain(*layers, shape=(16, 16, 3)))
    assert (evaluation_refusal(network) is None) is evaluates
    model = build_model(network)
    images = np.zeros((2, 16, 16, 3), dtype="float32")
    model(images, training=True)  # training always runs
    if evaluates:
        model(images, training=False)
    else:
        with pytest.raises(Exception):  # noqa: B017, PT011  (whatever the backend raises)
            model(images, training=False)
