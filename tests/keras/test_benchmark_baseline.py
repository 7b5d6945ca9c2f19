"""The benchmarks' plain-Keras baseline is the network specs/tutorial-convnet.json plans."""

from __future__ import annotations

import importlib.util
from types import ModuleType

import pytest

from archplan import load_spec, trace_network
from tests.conftest import ROOT, SPECS

pytestmark = pytest.mark.keras


def benchmark_module() -> ModuleType:
    path = ROOT / "benchmarks" / "tutorial_keras.py"
    spec = importlib.util.spec_from_file_location("tutorial_keras", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_baseline_is_the_planned_network(keras_module: ModuleType) -> None:
    model = benchmark_module().compiled_as_tutorial(keras_module)
    trace = trace_network(load_spec(SPECS / "tutorial-convnet.json"))
    assert model.count_params() == trace.total_params == 631_658
    assert [tuple(layer.output.shape)[1:] for layer in model.layers] == [
        row.output_shape for row in trace.layers
    ]
    optimizer = model.optimizer
    assert (float(optimizer.learning_rate), optimizer.momentum) == (
        pytest.approx(0.001),
        pytest.approx(0.5),
    )
