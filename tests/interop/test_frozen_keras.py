"""Frozen layers against Keras: the transfer-learning guide's model (a MobileNetV2 base with
``base.trainable = False`` and a new head) and a Sequential with one frozen Conv2D import with
Keras' own split of every layer's weights; realize's model and both exports freeze the same layers,
and importing what they give back keeps every flag."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from archplan import parse_spec, trace_network
from archplan.engine.memory import estimate_memory
from archplan.interop import import_model
from archplan.interop.keras_json import keras_model_config
from archplan.interop.python_code import python_script
from archplan.keras.build import build_model
from tests.interop.conftest import assert_model_is_the_trace, script_module
from tests.interop.test_applications import archplan_facts, keras_facts

pytestmark = pytest.mark.keras

GUIDE_SPLIT = (2_259_265, 1_281, 2_257_984)
"""Keras' total, trainable and non-trainable parameters of the guide's model at 96×96×3."""


def transfer_learning_model(keras: ModuleType) -> Any:
    """The guide's model: a frozen MobileNetV2 without its top, pooled, dropped out, one unit."""
    keras.backend.clear_session()
    base = keras.applications.MobileNetV2(input_shape=(96, 96, 3), include_top=False, weights=None)
    base.trainable = False
    inputs = keras.Input(shape=(96, 96, 3))
    x = base(inputs, training=False)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dropout(0.2)(x)
    return keras.Model(inputs, keras.layers.Dense(1)(x))


def one_frozen_conv(keras: ModuleType) -> Any:
    keras.backend.clear_session()
    model = keras.Sequential(
        [
            keras.Input(shape=(16, 16, 3)),
            keras.layers.Conv2D(8, 3, name="frozen"),
            keras.layers.BatchNormalization(name="bn"),
            keras.layers.Conv2D(4, 3, name="trained"),
            keras.layers.Flatten(name="flatten"),
            keras.layers.Dense(2, name="dense"),
        ]
    )
    model.get_layer("frozen").trainable = False
    return model


def split(model: Any) -> tuple[int, int, int]:
    def count(weights: list[Any]) -> int:
        return sum(int(weight.numpy().size) for weight in weights)

    trainable, frozen = count(model.trainable_weights), count(model.non_trainable_weights)
    return trainable + frozen, trainable, frozen


@pytest.fixture(scope="module")
def guide(keras: ModuleType) -> Any:
    return transfer_learning_model(keras)


@pytest.mark.parametrize("suffix", [".json", ".keras"])
def test_the_transfer_learning_model_imports_with_keras_split(
    keras: ModuleType, guide: Any, suffix: str, tmp_path: Path
) -> None:
    assert split(guide) == GUIDE_SPLIT
    path = tmp_path / f"guide{suffix}"
    if suffix == ".json":
        path.write_text(guide.to_json(), encoding="utf-8")
    else:
        guide.save(path)
    trace = import_model(path).trace
    assert archplan_facts(trace) == keras_facts(guide)  # per layer, nested model opened up
    assert (trace.total_params, trace.trainable_params, trace.non_trainable_params) == GUIDE_SPLIT
    memory = estimate_memory(trace)
    assert memory.gradients_bytes == 4 * GUIDE_SPLIT[1]
    assert memory.optimizer_bytes == 4 * GUIDE_SPLIT[1]  # RMSprop's one slot per trained weight


def test_a_sequential_with_one_frozen_conv_imports_with_keras_split(
    keras: ModuleType, tmp_path: Path
) -> None:
    model = one_frozen_conv(keras)
    path = tmp_path / "one.json"
    path.write_text(model.to_json(), encoding="utf-8")
    imported = import_model(path)
    assert [entry.get("trainable", True) for entry in imported.spec["layers"]] == [
        False, True, True, True, True,
    ]  # fmt: skip
    trace = imported.trace
    assert archplan_facts(trace) == keras_facts(model)
    assert (trace.total_params, trace.trainable_params, trace.non_trainable_params) == split(model)


@pytest.mark.parametrize("build", [transfer_learning_model, one_frozen_conv])
def test_realize_and_both_exports_freeze_what_the_spec_freezes(
    keras: ModuleType, build: Any, tmp_path: Path
) -> None:
    original = build(keras)
    source = tmp_path / "model.json"
    source.write_text(original.to_json(), encoding="utf-8")
    spec = import_model(source).spec
    network = parse_spec(spec)
    trace = trace_network(network)
    flags = [entry.get("trainable", True) for entry in spec["layers"]]

    keras.backend.clear_session()
    assert_model_is_the_trace(trace, build_model(network))  # realize's cross-check, per layer

    keras.backend.clear_session()
    scripted = script_module(python_script(network, trace, source="spec.json"), tmp_path)
    rebuilt = keras.models.model_from_json(json.dumps(keras_model_config(network, trace)))
    for model in (scripted.build_model(), rebuilt):
        assert split(model) == split(original)
        path = tmp_path / "again.json"
        path.write_text(model.to_json(), encoding="utf-8")
        again = import_model(path).spec
        assert [entry.get("trainable", True) for entry in again["layers"]] == flags
