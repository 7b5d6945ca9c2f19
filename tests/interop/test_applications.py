"""Keras Applications, imported: every layer's output shape and weights equal to Keras' own.

Each application is built with ``weights=None``, its configuration saved (``model.to_json()``, or a
``.keras`` file), imported, traced, and compared with Keras layer by layer, operations included
(MobileNetV3's ``x + 3`` becomes a Rescaling layer, whose shape is the operation's).

A representative set runs by default (one network of each family that brings something new: ReLU6,
Keras operations, a Normalization to adapt, stochastic depth, cropping, concatenation); the rest is
marked ``applications``, deselected by default, and runs with ``make test-applications`` (or
``pytest -m applications tests/interop/test_applications.py``).
"""

from __future__ import annotations

import math
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from archplan.engine.trace import Trace
from archplan.interop import UnsupportedLayersError, import_model

pytestmark = pytest.mark.keras

DEFAULT = ("MobileNetV2", "MobileNetV3Small", "EfficientNetB0", "ResNet50", "NASNetMobile")
"""Imported in the default run (about 30 s on a 2-core machine)."""
MORE = (
    "VGG16", "VGG19", "ResNet101", "ResNet152", "ResNet50V2", "ResNet101V2", "ResNet152V2",
    "MobileNet", "MobileNetV3Large", "DenseNet121", "DenseNet169", "DenseNet201", "Xception",
    "InceptionV3", *(f"EfficientNetB{index}" for index in range(1, 8)),
    *(f"EfficientNetV2B{index}" for index in range(4)), "EfficientNetV2S", "EfficientNetV2M",
    "EfficientNetV2L", "NASNetLarge",
)  # fmt: skip
"""The rest of the applications archplan expresses: ``-m applications``."""
LEFT_OUT = {
    "InceptionResNetV2": ("CustomScaleLayer", 40, "custom_scale_layer"),
    "ConvNeXtTiny": ("LayerScale", 18, "convnext_tiny_stage_0_block_0_layer_scale"),
}
"""Applications holding a custom layer class of their own (its code is not in the configuration):
the class, how often it occurs, and the first."""
INPUT_SHAPES = {"MobileNetV3Small": (224, 224, 3), "MobileNetV3Large": (224, 224, 3)}
"""Applications whose Keras default leaves the input's size open (None): built at this size."""


def application(keras: ModuleType, name: str) -> Any:
    keras.backend.clear_session()
    shape = INPUT_SHAPES.get(name)
    return getattr(keras.applications, name)(
        weights=None, **({"input_shape": shape} if shape else {})
    )


def keras_facts(model: Any) -> dict[str, tuple[tuple[int | None, ...], int, int]]:
    """Every layer and operation but the inputs, nested models opened up as archplan opens them:
    output shape, trainable and non-trainable weights."""

    def count(weights: list[Any]) -> int:
        return sum(math.prod(weight.shape) for weight in weights)

    facts = {}
    for operation in getattr(model, "operations", None) or model.layers:  # a Sequential: layers
        kind = type(operation).__name__
        if kind == "InputLayer":
            continue
        if kind in ("Sequential", "Functional"):  # a nested model
            facts.update(keras_facts(operation))
            continue
        facts[operation.name] = (
            tuple(operation.output.shape)[1:],
            count(getattr(operation, "trainable_weights", [])),
            count(getattr(operation, "non_trainable_weights", [])),
        )
    return facts


def archplan_facts(trace: Trace) -> dict[str, tuple[tuple[int | None, ...], int, int]]:
    return {
        row.name: (row.output_shape, row.trainable_params, row.non_trainable_params)
        for row in trace.layers
    }


def check(keras: ModuleType, name: str, folder: Path, *, archive: bool = False) -> Trace:
    model = application(keras, name)
    if archive:
        path = folder / f"{name}.keras"
        model.save(path)
    else:
        path = folder / f"{name}.json"
        path.write_text(model.to_json(), encoding="utf-8")
    trace = import_model(path).trace
    assert archplan_facts(trace) == keras_facts(model)
    assert trace.total_params == model.count_params()
    return trace


@pytest.mark.parametrize("name", DEFAULT)
def test_applications_import_exactly(keras: ModuleType, name: str, tmp_path: Path) -> None:
    check(keras, name, tmp_path, archive=name == "MobileNetV3Small")


@pytest.mark.applications
@pytest.mark.parametrize("name", MORE)
def test_more_applications_import_exactly(keras: ModuleType, name: str, tmp_path: Path) -> None:
    check(keras, name, tmp_path)


@pytest.mark.applications
@pytest.mark.parametrize("name", sorted(LEFT_OUT))
def test_applications_with_a_custom_layer_are_listed_and_cut(
    keras: ModuleType, name: str, tmp_path: Path
) -> None:
    kind, count, first = LEFT_OUT[name]
    model = application(keras, name)
    path = tmp_path / f"{name}.json"
    path.write_text(model.to_json(), encoding="utf-8")
    with pytest.raises(UnsupportedLayersError) as caught:
        import_model(path)
    assert f"{kind} (a custom class, from keras.src.applications." in str(caught.value)
    assert f") ×{count} ({first}, " in str(caught.value)
    partial = import_model(path, partial=True)
    facts = keras_facts(model)
    assert {name: facts[name] for name in archplan_facts(partial.trace)} == archplan_facts(
        partial.trace
    )
