"""The new layer types beyond the rule table: what a transposed convolution undoes, the arguments
column, and their receptive fields against the input pixels Keras' gradients actually reach."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archplan import parse_spec, trace_network
from archplan.rules.arith import conv_length, transpose_length
from archplan.rules.receptive import Field
from tests.conftest import chain
from tests.engine.conftest import keras_chain


@given(
    size=st.integers(1, 40),
    kernel=st.integers(1, 6),
    stride=st.integers(1, 4),
    padding=st.sampled_from(["valid", "same"]),
    extra=st.one_of(st.none(), st.integers(0, 3)),
)
def test_a_convolution_undoes_the_shape_of_its_transpose(
    size: int, kernel: int, stride: int, padding: str, extra: int | None
) -> None:
    """Conv2DTranspose's output is an input the same convolution maps back to ``size`` positions."""
    if extra is not None and (extra >= stride or (padding == "same" and kernel % 2 + extra == 0)):
        return  # refused by the spec (Keras, or TensorFlow's first call)
    grown = transpose_length(size, kernel, stride, 1, padding, extra)
    assert conv_length(grown.value, kernel, stride, 1, padding).value == size
    assert grown.text.endswith(f" {grown.value}") or grown.text == f"{size} (same)"


@pytest.mark.parametrize(
    ("layer", "arguments"),
    [
        ({"type": "DepthwiseConv2D", "kernel_size": 3}, "3×3, valid"),
        ({"type": "DepthwiseConv2D", "kernel_size": [3, 1], "strides": 2, "padding": "same", "depth_multiplier": 2,
          "activation": "relu", "use_bias": False}, "3×1, same, stride 2×2, depth ×2, relu, no bias"),
        ({"type": "SeparableConv2D", "filters": 8, "kernel_size": 3, "dilation_rate": 2}, "8 filters, 3×3, valid, dilation 2×2"),
        ({"type": "Conv2DTranspose", "filters": 4, "kernel_size": 3, "strides": 2, "padding": "same", "output_padding": 1},
         "4 filters, 3×3, same, stride 2×2, output padding 1×1"),
        ({"type": "Conv2D", "filters": 8, "kernel_size": 3, "groups": 4}, "8 filters, 3×3, valid, 4 groups"),
        ({"type": "UpSampling2D", "size": [2, 3], "interpolation": "bilinear"}, "×2×3, bilinear"),
        ({"type": "Cropping2D", "cropping": [[1, 2], 3]}, "top 1, bottom 2, left 3, right 3"),
        ({"type": "Reshape", "target_shape": [-1, 4]}, "(-1, 4)"),
        ({"type": "Identity"}, ""),
        ({"type": "Concatenate", "inputs": ["input", "input"], "axis": 1}, "axis 1"),
        ({"type": "Add", "inputs": ["input", "input"]}, ""),
    ],
)  # fmt: skip
def test_arguments_column(layer: dict[str, Any], arguments: str) -> None:
    row = trace_network(parse_spec(chain(layer, shape=(12, 12, 4)))).layers[0]
    assert row.arguments == arguments


# Keras as the reference: with all-ones kernels and no activation, an output unit's gradient reaches
# exactly the input pixels it depends on. Windows (depthwise, separable, cropping) give every unit
# the same field, which must be the engine's exactly. Upsampling does not: there the engine reports
# the largest field over the units, and the straight line through their centres.
FIELD_CASES = {
    "depthwise, separable, cropping": chain(
        {"type": "Cropping2D", "cropping": [[2, 0], [3, 0]]},
        {"type": "DepthwiseConv2D", "kernel_size": 3, "strides": 2, "dilation_rate": 1, "padding": "same"},
        {"type": "SeparableConv2D", "filters": 2, "kernel_size": [3, 5], "dilation_rate": 2},
        {"type": "DepthwiseConv2D", "kernel_size": 2, "strides": 2, "dilation_rate": 1},
        shape=(61, 63, 1),
    ),
    "transposed stride 1": chain({"type": "Conv2DTranspose", "filters": 1, "kernel_size": [3, 4]}, shape=(14, 14, 1)),
    "transposed stride 1 same": chain({"type": "Conv2DTranspose", "filters": 1, "kernel_size": [3, 4], "padding": "same"},
                                      shape=(14, 14, 1)),
    "transposed stride 2": chain({"type": "Conv2DTranspose", "filters": 1, "kernel_size": [3, 4], "strides": 2},
                                 shape=(10, 10, 1)),
    "transposed stride 2 same": chain({"type": "Conv2DTranspose", "filters": 1, "kernel_size": [3, 4], "strides": 2,
                                       "padding": "same"}, shape=(10, 10, 1)),
    "transposed stride 3 output padding": chain({"type": "Conv2DTranspose", "filters": 1, "kernel_size": [5, 4], "strides": 3,
                                                 "padding": "same", "output_padding": [1, 2]}, shape=(8, 8, 1)),
    "upsampling nearest": chain({"type": "UpSampling2D", "size": [2, 3]}, shape=(8, 8, 1)),
    "upsampling bilinear": chain({"type": "UpSampling2D", "size": [2, 3], "interpolation": "bilinear"}, shape=(8, 8, 1)),
    "after a downsampling": chain(
        {"type": "Conv2D", "filters": 1, "kernel_size": 3, "strides": 2, "padding": "same"},
        {"type": "UpSampling2D", "size": 2},
        {"type": "Conv2D", "filters": 1, "kernel_size": 3, "padding": "same"},
        shape=(24, 24, 1),
    ),
}  # fmt: skip
EVEN = {"depthwise, separable, cropping", "transposed stride 1", "transposed stride 1 same"}
"""The cases without upsampling: there every unit's field is the engine's, exactly."""


def ones_kernels(kind: str, arguments: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Every convolution's kernels all ones and without bias: no weight cancels another."""
    kernels = {
        "DepthwiseConv2D": ("depthwise",),
        "SeparableConv2D": ("depthwise", "pointwise"),
    }.get(kind, ("kernel",))
    if "filters" in arguments or "depth_multiplier" in arguments:
        arguments |= {"use_bias": False} | {f"{name}_initializer": "ones" for name in kernels}
    return kind, arguments


def spans_along(
    model: Any, shape: tuple[int, ...], axis: int, units: range, fixed: int
) -> list[tuple[int, int] | None]:
    """For each unit along ``axis`` (the other axis at ``fixed``): the first and last input pixel
    it reaches (None: none, a gap a strided transposed convolution leaves)."""
    import numpy as np
    import tensorflow as tf

    pixels = tf.ones((1, *shape))
    spans = []
    for unit in units:
        position = (unit, fixed) if axis == 0 else (fixed, unit)
        with tf.GradientTape() as tape:
            tape.watch(pixels)
            value = model(pixels, training=False)[0, position[0], position[1], 0]
        gradient = np.abs(tape.gradient(value, pixels).numpy()[0]).sum(axis=-1)
        seen = np.nonzero(gradient.sum(axis=1 - axis) > 1e-7)[0]
        spans.append((int(seen[0]), int(seen[-1])) if len(seen) else None)
    return spans


@pytest.mark.keras
@pytest.mark.usefixtures("tensorflow_backend")
@pytest.mark.parametrize("name", sorted(FIELD_CASES))
def test_fields_against_keras_gradients(keras: ModuleType, name: str) -> None:
    network = parse_spec(FIELD_CASES[name])
    trace = trace_network(network)
    field = trace.layers[-1].field
    assert isinstance(field, Field)
    assert field.jump is not None
    assert field.start is not None
    model = keras_chain(keras, network, ones_kernels)
    out = trace.output_shape
    for axis in (0, 1):
        inside = [u for u in range(out[axis]) if _fits(field, axis, u, network.input_shape[axis])]
        assert len(inside) >= 4, "choose sizes with units whose field lies inside the input"
        units = range(inside[0], inside[-1] + 1)
        spans = spans_along(model, network.input_shape, axis, units, out[1 - axis] // 2)
        reached = [
            (unit, span) for unit, span in zip(units, spans, strict=True) if span is not None
        ]
        extents = [last - first + 1 for _, (first, last) in reached]
        offsets = [
            (first + last) / 2 - (field.start[axis] + unit * field.jump[axis])
            for unit, (first, last) in reached
        ]
        assert max(extents) == field.size[axis]
        if name in EVEN:  # evenly placed units: every one exact
            assert set(extents) == {field.size[axis]}
            assert set(offsets) == {0.0}
        else:  # the straight line through the centres: off by less than an input unit, 0 on average
            assert all(abs(offset) < 1 for offset in offsets), offsets
            assert abs(sum(offsets) / len(offsets)) <= 0.25, offsets


def _fits(field: Field, axis: int, unit: int, size: int) -> bool:
    """True when the unit's (largest) field lies inside the input, away from the padding."""
    assert field.jump is not None
    assert field.start is not None
    centre = field.start[axis] + unit * field.jump[axis]
    return centre - field.size[axis] / 2 >= 1 and centre + field.size[axis] / 2 <= size - 2
