"""Keras as the oracle of the round trip: spec → export → Keras → import → spec.

For every spec in specs/ and for random specs of the property tests (chains and graphs of every
layer type), the exported script's ``build_model()`` builds a model equal to ``archplan realize``'s
on every layer (name, type, output shape, trainable and non-trainable weights) and passes
``ruff check``; importing that model's configuration (``model.to_json()``) gives back the same
network (names, types, arguments, wiring) and the same trace; and ``--format keras-json`` is read by
``keras.models.model_from_json`` into that same model.
"""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from archplan import SpecError, load_spec, parse_spec, trace_network
from archplan.engine.trace import Trace
from archplan.interop import import_model
from archplan.interop.arguments import SYMMETRIC_FACTORS
from archplan.interop.keras_json import keras_model_config
from archplan.interop.python_code import python_script
from archplan.keras.build import build_model
from archplan.schema import Network
from tests.conftest import SPECS, chain
from tests.engine.test_graph_keras import graphs
from tests.engine.test_properties import conv_layers, other_layers
from tests.interop.conftest import assert_model_is_the_trace, ruff_problems, script_module
from tests.keras.test_engine_matches_keras import specs as any_layer_specs

pytestmark = pytest.mark.keras

SPEC_FILES = sorted(
    path.name for path in SPECS.glob("*.json") if not path.name.endswith(".schema.json")
)


def facts(model: Any) -> dict[str, tuple[str, tuple[Any, ...], int, int]]:
    """Each layer but the input: its type, output shape and weights."""
    return {
        layer.name: (
            type(layer).__name__,
            tuple(layer.output.shape)[1:],
            sum(int(w.numpy().size) for w in layer.trainable_weights),
            sum(int(w.numpy().size) for w in layer.non_trainable_weights),
        )
        for layer in model.layers
        if type(layer).__name__ != "InputLayer"
    }


def canonical(value: Any) -> Any:
    """An argument as Keras keeps it: tuples for lists, one-item tuples as their item."""
    if isinstance(value, (list, tuple)):
        items = tuple(canonical(item) for item in value)
        return items[0] if len(items) == 1 else items
    return value


def wiring(network: Network) -> dict[str, tuple[Any, ...]]:
    """The layers Keras keeps (those the output depends on), by name: class, arguments, inputs.
    Keras keeps no order of its own beyond one where inputs come first.

    Keras keeps no difference between ``activation=None`` and ``"linear"``, nor between
    Normalization's ``axis=None`` and ``axis=[]``, and keeps penalties as float32: those are
    written alike here.
    """
    trace = trace_network(network)
    kept = {row.name for row in trace.counted}
    rows = {}
    for node in network.nodes():
        if node.name not in kept:
            continue
        arguments = {key: canonical(value) for key, value in node.layer.keras_arguments().items()}
        if "activation" in arguments and arguments["activation"] is None:
            arguments["activation"] = "linear"
        if node.layer.keras_class == "Normalization" and arguments.get("axis") == ():
            arguments["axis"] = None
        for name in SYMMETRIC_FACTORS & set(arguments):  # [-f, f] and f are the same range
            arguments[name] = symmetric(arguments[name])
        if arguments.get("kernel_regularizer"):  # Keras keeps penalties as float32
            penalties = arguments["kernel_regularizer"]["config"]
            arguments["kernel_regularizer"] = {
                key: float32(value) for key, value in penalties.items()
            }
        rows[node.name] = (node.layer.keras_class, arguments, node.inputs)
    return rows


def symmetric(factor: Any) -> Any:
    """A factor's range written as its one number when it is symmetric, as the import writes it."""
    if isinstance(factor, tuple) and len(factor) == 2:
        low, high = factor
        if low == -high and high >= 0:
            return high + 0.0
    return factor


def float32(value: float) -> float:
    return float(struct.unpack("f", struct.pack("f", value))[0])


def without_drawn_seeds(
    imported: dict[str, tuple[Any, ...]], original: dict[str, tuple[Any, ...]]
) -> dict[str, tuple[Any, ...]]:
    """The imported wiring, where the original gave no seed and Keras drew one (its random image
    layers do, and write it into their configuration), with that seed put back to None."""
    restored = {}
    for name, (kind, arguments, inputs) in imported.items():
        given = original.get(name, (None, {}, ()))[1]
        if "seed" in arguments and given.get("seed") is None:
            arguments = {**arguments, "seed": None}
        restored[name] = (kind, arguments, inputs)
    return restored


def trace_rows(trace: Trace) -> dict[str, tuple[Any, ...]]:
    return {
        row.name: (row.type, row.input_shapes, row.output_shape, row.trainable_params,
                   row.non_trainable_params, row.macs, row.other_ops, row.field)
        for row in trace.counted
    }  # fmt: skip


def round_trip(keras: ModuleType, network: Network, folder: Path) -> Trace:
    """Every check of the module docstring on one network; the imported spec's trace."""
    trace = trace_network(network)
    script = python_script(network, trace, source="spec.json")
    keras.backend.clear_session()  # Keras names layers from a fresh count, as in a new process
    model = script_module(script, folder).build_model()
    assert_model_is_the_trace(trace, model)
    assert ruff_problems(folder / "exported.py", project_rules=False) == ""
    exported = facts(model)
    keras.backend.clear_session()
    assert exported == facts(build_model(network))  # realize's own model

    saved = folder / "model.json"
    saved.write_text(model.to_json(), encoding="utf-8")
    imported = import_model(saved)
    assert imported.network.input_shape == network.input_shape
    assert without_drawn_seeds(wiring(imported.network), wiring(network)) == wiring(network)
    assert trace_rows(imported.trace) == trace_rows(trace)

    keras.backend.clear_session()
    config = json.dumps(keras_model_config(network, trace))
    assert_model_is_the_trace(trace, keras.models.model_from_json(config))
    return imported.trace


@pytest.mark.parametrize("name", SPEC_FILES)
def test_every_spec_goes_round_trip(keras: ModuleType, name: str, tmp_path: Path) -> None:
    network = load_spec(SPECS / name)
    round_trip(keras, network, tmp_path)
    script = python_script(network, trace_network(network), source=f"specs/{name}")
    (tmp_path / "strict.py").write_text(script, encoding="utf-8")
    assert ruff_problems(tmp_path / "strict.py", project_rules=True) == ""


@pytest.mark.parametrize("name", SPEC_FILES)
def test_the_compiled_model_gives_back_the_training_block(
    keras: ModuleType, name: str, tmp_path: Path
) -> None:
    """The script's compile_model() and a saved .keras file: optimizer, loss, label smoothing
    and metrics come back (a custom schedule, such as OneCycle, is reported and left out)."""
    network = load_spec(SPECS / name)
    keras.backend.clear_session()
    module = script_module(python_script(network, trace_network(network), source=name), tmp_path)
    model = module.build_model()
    takes_steps = module.compile_model.__code__.co_argcount == 2
    module.compile_model(model, *([100] if takes_steps else []))
    model.save(tmp_path / "model.keras")
    imported = import_model(tmp_path / "model.keras")
    training, back = network.training_settings, imported.network.training_settings
    assert (back.loss, back.label_smoothing, back.metrics) == (
        training.loss,
        training.label_smoothing,
        training.metrics,
    )
    assert back.optimizer.type == training.optimizer.type
    mine = training.optimizer.model_dump(exclude={"learning_rate"})
    assert back.optimizer.model_dump(exclude={"learning_rate"}) == mine
    if isinstance(training.optimizer.learning_rate, float):
        assert back.optimizer.learning_rate == training.optimizer.learning_rate
    else:
        assert any("learning_rate schedule 'OneCycle'" in note for note in imported.notes)


EXAMPLES = int(os.environ.get("ARCHPLAN_KERAS_EXAMPLES", "15"))
"""About 20 s per strategy on a 2-core machine; ARCHPLAN_KERAS_EXAMPLES=150 searched harder (and
passed)."""
SLOW = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.filter_too_much,  # the strategies draw invalid specs too, on purpose
    ],
)


def traced_or_rejected(spec: dict[str, Any]) -> Network:
    try:
        network = parse_spec(spec)
        trace_network(network)
    except SpecError:
        assume(False)
        raise
    return network


@SLOW
@given(spec=any_layer_specs())
@example(
    chain({"type": "Dense", "units": 1, "kernel_regularizer": "l1l2"}, shape=(4,))
)  # L1L2(0, 0)
@example(
    chain({"type": "Dense", "units": 1, "kernel_regularizer": "l1"}, shape=(4,))
)  # float32 0.01
@example(chain({"type": "Activation", "activation": None}, {"type": "RandomCrop", "height": 2, "width": 2},
               shape=(5, 3, 3)))  # fmt: skip
@example(
    chain({"type": "RandomRotation", "factor": 0.0}, shape=(1, 1, 1))
)  # Keras writes (-0.0, 0.0)
@example(
    chain({"type": "RandomRotation", "factor": [0.0, 0.0]}, shape=(1, 1, 1))
)  # imported as 0.0
@example(chain({"type": "Dense", "units": 1, "kernel_regularizer": {"class_name": "L2", "config": {"l2": 2.220446049250313e-16}}},
               shape=(1,)))  # fmt: skip
def test_random_specs_of_every_layer_type_go_round_trip(
    keras: ModuleType, tmp_path_factory: pytest.TempPathFactory, spec: dict[str, Any]
) -> None:
    round_trip(keras, traced_or_rejected(spec), tmp_path_factory.mktemp("spec"))


@SLOW
@given(spec=graphs())
def test_random_graphs_go_round_trip(
    keras: ModuleType, tmp_path_factory: pytest.TempPathFactory, spec: dict[str, Any]
) -> None:
    round_trip(keras, traced_or_rejected(spec), tmp_path_factory.mktemp("graph"))


@SLOW
@given(
    shape=st.tuples(st.integers(4, 24), st.integers(4, 24), st.integers(1, 4)),
    layers=st.lists(st.one_of(conv_layers(), other_layers()), min_size=1, max_size=6),
)
def test_random_chains_go_round_trip(
    keras: ModuleType,
    tmp_path_factory: pytest.TempPathFactory,
    shape: tuple[int, int, int],
    layers: list[dict[str, Any]],
) -> None:
    network = traced_or_rejected(chain(*layers, shape=shape))
    round_trip(keras, network, tmp_path_factory.mktemp("chain"))
