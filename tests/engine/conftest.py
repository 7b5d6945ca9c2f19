"""Helpers for the engine's tests: one layer traced alone; Keras and a chain built in it."""

from __future__ import annotations

import os
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from archplan import parse_spec, trace_network
from archplan.engine.trace import LayerTrace
from archplan.schema import Network
from tests.conftest import chain

Adapt = Callable[[str, dict[str, Any]], tuple[str, dict[str, Any]]]
"""Turns a layer's Keras class and arguments into the ones a check builds instead."""


def trace_one(shape: tuple[int, ...], layer: dict[str, Any]) -> LayerTrace:
    """The engine's row for ``layer`` alone on an input of ``shape``."""
    return trace_network(parse_spec(chain(layer, shape=shape))).layers[0]


@pytest.fixture(scope="session")
def keras() -> ModuleType:
    """Keras, on TensorFlow unless KERAS_BACKEND names another backend; skipped without it."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return pytest.importorskip("keras")


@pytest.fixture
def tensorflow_backend(keras: ModuleType) -> None:
    """Skip a check that reads TensorFlow itself (its profiler, its gradient tape)."""
    if keras.backend.backend() != "tensorflow":
        pytest.skip("this check reads TensorFlow's own profiler or gradients")


def keras_chain(
    keras: ModuleType, network: Network, adapt: Adapt | None = None, *, named: bool = False
) -> Any:
    """The chain ``network`` describes as a Keras model, each layer made from its spec's
    ``keras_arguments()`` (after ``adapt``); ``named``: with the engine's layer names."""
    inputs = keras.Input(shape=network.input_shape)
    outputs = inputs
    for layer, name in zip(network.layers, network.layer_names(), strict=True):
        kind, arguments = layer.keras_class, layer.keras_arguments()
        if adapt is not None:
            kind, arguments = adapt(kind, arguments)
        if named:
            arguments["name"] = name
        outputs = getattr(keras.layers, kind)(**arguments)(outputs)
    return keras.Model(inputs, outputs)
