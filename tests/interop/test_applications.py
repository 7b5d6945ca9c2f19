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
from archplan.interop import import_model

pytestmark = pytest.mark.keras

DEFAULT = (
    "MobileNetV2", "MobileNetV3Small", "EfficientNetB0", "ResNet50", "NASNetMobile", "ConvNeXtTiny",
)  # fmt: skip
"""Imported in the default run (about 30 s on a 2-core machine)."""
MORE = (
    "VGG16", "VGG19", "ResNet101", "ResNet152", "ResNet50V2", "ResNet101V2", "ResNet152V2",
    "MobileNet", "MobileNetV3Large", "DenseNet121", "DenseNet169", "DenseNet201", "Xception",
    "InceptionV3", *(f"EfficientNetB{index}" for index in range(1, 8)),
    *(f"EfficientNetV2B{index}" for index in range(4)), "EfficientNetV2S", "EfficientNetV2M",
    "EfficientNetV2L", "NASNetLarge", "InceptionResNetV2", "ConvNeXtSmall", "ConvNeXtBase",
    "ConvNeXtLarge", "ConvNeXtXLarge",
)  # fmt: skip
"""The rest of the applications: ``-m applications``."""
SCALED = "_scaled"
"""InceptionResNetV2's ``CustomScaleLayer`` (``x + scale·r``) imports as a Rescaling of ``r``,
named after it with this suffix, and an Add under its own name: the one row Keras lacks."""
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
    facts = keras_facts(model)
    ours = archplan_facts(trace)
    extra = {row.name for row in trace.layers if row.name not in facts}
    assert all(row.type == "Rescaling" for row in trace.layers if row.name in extra)
    assert {name[: -len(SCALED)] for name in extra} <= set(facts)  # each beside its layer
    assert {name: fact for name, fact in ours.items() if name not in extra} == facts
    assert trace.total_params == model.count_params()
    return trace


@pytest.mark.parametrize("name", DEFAULT)
def test_applications_import_exactly(keras: ModuleType, name: str, tmp_path: Path) -> None:
    check(keras, name, tmp_path, archive=name == "MobileNetV3Small")


@pytest.mark.applications
@pytest.mark.parametrize("name", MORE)
def test_more_applications_import_exactly(keras: ModuleType, name: str, tmp_path: Path) -> None:
    check(keras, name, tmp_path)


def test_every_keras_application_is_covered(keras: ModuleType) -> None:
    from keras import applications

    names = {name for name in dir(applications) if name[0].isupper()}
    assert names == set(DEFAULT) | set(MORE)


def test_convnext_stochastic_depth_and_layer_scale_import_exactly(
    keras: ModuleType, tmp_path: Path
) -> None:
    """ConvNeXtTiny's default has no StochasticDepth (drop_path_rate 0): a small one with it."""
    from keras.src.applications.convnext import ConvNeXt

    keras.backend.clear_session()
    model = ConvNeXt(depths=[1, 1, 1, 1], projection_dims=[8, 16, 32, 64], drop_path_rate=0.2,
                     name="tiny", weights=None, input_shape=(64, 64, 3))  # fmt: skip
    path = tmp_path / "tiny.json"
    path.write_text(model.to_json(), encoding="utf-8")
    imported = import_model(path)
    kinds = {layer["type"] for layer in imported.spec["layers"]}
    assert {"DepthwiseConv2D", "Dropout"} <= kinds
    dropouts = [layer for layer in imported.spec["layers"] if layer["type"] == "Dropout"]
    assert dropouts[-1]["rate"] == pytest.approx(0.2)
    assert dropouts[-1]["noise_shape"] == [None, 1, 1, 1]
    assert archplan_facts(imported.trace) == keras_facts(model)
