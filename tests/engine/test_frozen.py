"""Frozen layers (``"trainable": false``): every weight of the layer non-trainable, as Keras counts
it, in the trace, the numbers-only measures, the memory estimate and the tables; and in the files
archplan writes (spec, JSON Schema, exports, plans). tests/interop/test_frozen_keras.py checks the
same against Keras itself."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from archplan import parse_spec, trace_network
from archplan.cli import app
from archplan.engine.measure import InferenceMemo, measure_network
from archplan.engine.memory import estimate_memory
from archplan.interop import import_model
from archplan.interop.keras_json import keras_model_config
from archplan.interop.python_code import python_script
from archplan.schema import load_spec
from tests.conftest import SPECS, chain
from tests.interop.keras_configs import (
    conv,
    functional,
    input_layer,
    layer,
    sequential,
    tensor,
    write_json,
)

runner = CliRunner()
ENV = {"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}

CASES: list[tuple[tuple[int, ...], dict[str, Any], int, int]] = [
    # input shape, layer, trainable and non-trainable weights when trainable (frozen: 0, all)
    ((8, 8, 3), {"type": "Conv2D", "filters": 4, "kernel_size": 3}, 112, 0),
    ((8, 8, 3), {"type": "DepthwiseConv2D", "kernel_size": 3}, 30, 0),
    ((8, 8, 3), {"type": "SeparableConv2D", "filters": 4, "kernel_size": 3}, 43, 0),
    ((8, 8, 3), {"type": "Conv2DTranspose", "filters": 4, "kernel_size": 3}, 112, 0),
    ((8, 8, 16), {"type": "BatchNormalization"}, 32, 32),
    ((8, 8, 16), {"type": "BatchNormalization", "center": False}, 16, 32),
    ((8, 8, 16), {"type": "LayerNormalization"}, 32, 0),
    ((10,), {"type": "Dense", "units": 5}, 55, 0),
]  # fmt: skip


def only(shape: tuple[int, ...], spec: dict[str, Any], **extra: Any) -> Any:
    return trace_network(parse_spec(chain({**spec, **extra}, shape=shape))).layers[0]


@pytest.mark.parametrize(("shape", "spec", "trainable", "non_trainable"), CASES)
def test_a_frozen_layer_has_all_its_weights_non_trainable(
    shape: tuple[int, ...], spec: dict[str, Any], trainable: int, non_trainable: int
) -> None:
    row = only(shape, spec)
    assert (row.trainable_params, row.non_trainable_params) == (trainable, non_trainable)
    frozen = only(shape, spec, trainable=False)
    assert (frozen.trainable_params, frozen.non_trainable_params) == (0, trainable + non_trainable)
    assert frozen.param_formula.endswith(" (frozen)")
    assert "non-trainable" not in frozen.param_formula
    assert frozen.output_shape == row.output_shape
    assert (frozen.macs, frozen.other_ops) == (row.macs, row.other_ops)


def test_a_frozen_layer_without_weights_and_normalization_stay_as_they_are() -> None:
    pool = only((8, 8, 3), {"type": "MaxPooling2D"}, trainable=False)
    assert (pool.trainable_params, pool.non_trainable_params, pool.param_formula) == (0, 0, "0")
    adapt = {"type": "Normalization"}
    assert (
        only((8, 8, 3), adapt, trainable=False).param_formula
        == only((8, 8, 3), adapt).param_formula
    )


FROZEN_BACKBONE = chain(
    {"type": "Conv2D", "filters": 8, "kernel_size": 3, "trainable": False},
    {"type": "BatchNormalization", "trainable": False},
    {"type": "GlobalAveragePooling2D"},
    {"type": "Dense", "units": 10},
    shape=(16, 16, 3),
)
"""224 + 32 frozen weights, then 90 trainable."""


def test_totals_measures_and_training_memory_follow_the_split() -> None:
    network = parse_spec(FROZEN_BACKBONE)
    trace = trace_network(network)
    assert (trace.trainable_params, trace.non_trainable_params) == (90, 256)
    for measures in (measure_network(network), measure_network(network, InferenceMemo())):
        assert (measures.trainable_params, measures.non_trainable_params) == (90, 256)
    memory = estimate_memory(trace)
    assert memory.params_bytes == 346 * 4
    assert memory.gradients_bytes == 90 * 4  # no gradients for frozen weights
    assert memory.optimizer_bytes == 90 * 1 * 4  # RMSprop: one slot per trainable weight
    unfrozen = estimate_memory(trace_network(parse_spec(json.loads(
        json.dumps(FROZEN_BACKBONE).replace('"trainable": false', '"trainable": true')
    ))))  # fmt: skip
    # unfrozen, the 224 + 16 learned weights get a gradient and a slot each (moving stats do not)
    assert unfrozen.training_bytes - memory.training_bytes == 2 * 240 * 4


def test_trace_params_and_json_show_the_frozen_layers(tmp_path: Path) -> None:
    path = tmp_path / "frozen.json"
    path.write_text(json.dumps(FROZEN_BACKBONE), encoding="utf-8")
    trace = runner.invoke(app, ["trace", str(path)], env=ENV)
    assert trace.exit_code == 0
    assert "8 filters, 3×3, valid, frozen" in trace.stdout
    assert "Trainable params:     90 (360.00 B)" in trace.stdout
    assert "Non-trainable params: 256 (1.00 KB)" in trace.stdout
    params = runner.invoke(app, ["params", str(path)], env=ENV)
    assert "4·8 = 32 (frozen)" in params.stdout
    data = json.loads(runner.invoke(app, ["trace", str(path), "--json"], env=ENV).stdout)
    assert (data["trainable_params"], data["non_trainable_params"]) == (90, 256)
    assert [row["trainable_params"] for row in data["layers"]] == [0, 0, 0, 90]
    assert data["memory"]["training"]["gradients_bytes"] == 90 * 4


def test_the_json_schema_says_a_layer_may_be_frozen() -> None:
    schema = json.loads((SPECS / "spec.schema.json").read_text(encoding="utf-8"))
    conv2d = schema["$defs"]["Conv2D"]["properties"]["trainable"]
    assert (conv2d["type"], conv2d["default"]) == ("boolean", True)


def test_exports_write_trainable_false_and_nothing_for_trainable_layers() -> None:
    network = parse_spec(FROZEN_BACKBONE)
    trace = trace_network(network)
    script = python_script(network, trace, source="frozen.json")
    assert "layers.Conv2D(8, 3, trainable=False)" in script
    assert "layers.BatchNormalization(trainable=False)" in script
    assert "layers.Dense(10)" in script
    configs = [entry["config"] for entry in keras_model_config(network, trace)["config"]["layers"]]
    assert [config.get("trainable") for config in configs] == [None, False, False, True, True]


def test_import_keeps_a_layers_and_an_enclosing_models_trainable_false(tmp_path: Path) -> None:
    backbone = sequential(
        input_layer("backbone_in", (8, 8, 4)),
        conv("inner_conv", filters=4),
        layer("BatchNormalization", "inner_bn"),
        name="backbone",
        trainable=False,  # the layers inside still say true: the model's flag freezes them
    )
    model = functional(
        conv("own", tensor("input_layer", (8, 8, 3)), trainable=False),
        {**backbone, "name": "backbone",
         "inbound_nodes": [{"args": [tensor("own", (8, 8, 4))], "kwargs": {"training": False}}]},
        layer("Flatten", "flat", tensor("backbone", (8, 8, 4))),
        layer("Dense", "head", tensor("flat", (256,)), units=2),
    )  # fmt: skip
    imported = import_model(write_json(tmp_path, model))
    flags = {entry["name"]: entry.get("trainable", True) for entry in imported.spec["layers"]}
    assert flags == {
        "own": False,
        "inner_conv": False,
        "inner_bn": False,
        "flat": True,
        "head": True,
    }
    assert not any("trainable" in note for note in imported.notes)
    trace = imported.trace
    assert trace.trainable_params == 256 * 2 + 2
    assert trace.non_trainable_params == 112 + 148 + 16


def test_a_plan_keeps_its_fixed_layers_frozen(tmp_path: Path) -> None:
    plan = {
        "input": {"shape": [32, 32, 3]},
        "classes": 10,
        "families": {"plain": {"stages": [1], "width": [8], "hidden": ["none"],
                               "batch_norm": [False]}},
        "fixed_layers": [{"type": "Conv2D", "filters": 3, "kernel_size": 3, "padding": "same",
                          "name": "backbone", "trainable": False}],
        "top": 1,
    }  # fmt: skip
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    result = runner.invoke(app, ["plan", str(path), "--out", str(tmp_path / "out")], env=ENV)
    assert result.exit_code == 0, result.output
    written = sorted((tmp_path / "out").glob("*.json"))
    specs = [spec for spec in written if spec.name != "plan.json"]
    assert specs
    network = load_spec(specs[0])
    assert network.layers[0].trainable is False
    trace = trace_network(network)
    assert trace.layers[0].non_trainable_params == 84
    assert trace.non_trainable_params == 84
