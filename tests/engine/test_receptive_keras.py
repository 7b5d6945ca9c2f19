"""Keras as the reference for receptive fields: the input pixels whose gradient reaches one unit.

Each network's spatial layers are rebuilt in Keras with positive weights (all ones, no activation,
max pooling read as average pooling), so every pixel in a unit's field gets a positive gradient
and no other does. The unit is taken in the middle of the output, where its field lies wholly in
the input; its extent and centre must be the engine's receptive field and ``start + i·jump``.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

from archplan import parse_spec, trace_network
from tests.conftest import SPECS, chain
from tests.engine.conftest import keras_chain

pytestmark = [pytest.mark.keras, pytest.mark.usefixtures("tensorflow_backend")]


def spatial_prefix(name: str, shape: tuple[int, int, int]) -> dict[str, Any]:
    """A tutorial spec's layers up to Flatten, on a larger input so a middle unit fits inside."""
    import json

    layers = json.loads((SPECS / f"{name}.json").read_text())["layers"]
    flatten = next(i for i, layer in enumerate(layers) if layer["type"] == "Flatten")
    return chain(*layers[:flatten], shape=shape)


CASES = {
    "tutorial-convnet": spatial_prefix("tutorial-convnet", (64, 64, 3)),
    "tutorial-dimensioning": spatial_prefix("tutorial-dimensioning", (64, 64, 3)),
    "padding, strides, dilation": chain(
        {"type": "ZeroPadding2D", "padding": [[2, 0], [1, 3]]},
        {"type": "Conv2D", "filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"},
        {"type": "Conv2D", "filters": 2, "kernel_size": [3, 5], "dilation_rate": 2},
        {"type": "MaxPooling2D", "pool_size": 3, "strides": 2, "padding": "same"},
        {"type": "Conv2D", "filters": 2, "kernel_size": 2, "padding": "same"},
        {"type": "BatchNormalization"},
        {"type": "AveragePooling2D", "pool_size": [2, 3], "strides": 1},
        shape=(61, 58, 1),
    ),
}  # fmt: skip


def positive(kind: str, arguments: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Weights that cannot cancel: ones, no activation, averages instead of maxima."""
    if kind == "MaxPooling2D":
        kind = "AveragePooling2D"
    if kind == "Conv2D":
        arguments |= {"activation": None, "kernel_initializer": "ones", "bias_initializer": "zeros"}
    return kind, arguments


def seen_span(model: Any, shape: tuple[int, ...], unit: tuple[int, int]) -> list[tuple[int, int]]:
    """First and last input row, and column, whose pixels change output ``unit`` (channel 0)."""
    import numpy as np
    import tensorflow as tf

    pixels = tf.ones((1, *shape))
    with tf.GradientTape() as tape:
        tape.watch(pixels)
        value = model(pixels, training=False)[0, unit[0], unit[1], 0]
    gradient = np.abs(tape.gradient(value, pixels).numpy()[0]).sum(axis=-1)
    spans = []
    for axis in (1, 0):
        seen = np.nonzero(gradient.sum(axis=axis) > 0)[0]
        spans.append((int(seen[0]), int(seen[-1])))
    return spans


@pytest.mark.parametrize("name", sorted(CASES))
def test_receptive_field_matches_keras_gradients(keras: ModuleType, name: str) -> None:
    network = parse_spec(CASES[name])
    trace = trace_network(network)
    field = trace.layers[-1].field
    assert field is not None
    assert field.jump is not None
    assert field.start is not None
    out = trace.output_shape
    unit = (out[0] // 2, out[1] // 2)
    expected = []
    for axis in (0, 1):
        centre = field.start[axis] + unit[axis] * field.jump[axis]
        first, last = centre - (field.size[axis] - 1) / 2, centre + (field.size[axis] - 1) / 2
        assert first >= 0, "choose a unit whose field fits in the input"
        assert last < network.input_shape[axis], "choose a unit whose field fits in the input"
        expected.append((int(first), int(last)))
    assert seen_span(keras_chain(keras, network, positive), network.input_shape, unit) == expected
