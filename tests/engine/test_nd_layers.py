"""Hand-counted: the 1-D and 3-D layers, channels_first, Permute and RepeatVector.

One row per case: one layer on one input shape in; its output shape, trainable weights, MACs and
the receptive field along each spatial axis out (None where the field is not followed). Every
number below was counted by hand from Keras' rules (the arithmetic is in the comment beside it);
the Keras oracle tests (tests/engine/test_graph_keras.py, tests/keras) compare the same rules
against Keras itself.
"""

from __future__ import annotations

from typing import Any

import pytest

from archplan import SpecError, parse_spec, trace_network
from tests.conftest import chain
from tests.engine.conftest import trace_one

ND_CASES: list[tuple[str, tuple[int, ...], dict[str, Any], tuple[int, ...], int, int, Any]] = [
    # id, input, layer, output, trainable, MACs, receptive field size per spatial axis
    # Conv1D: L_out = L − k + 1; weights (k·C + 1)·filters; MACs k·C·filters·L_out.
    ("conv1d valid", (100, 3), {"type": "Conv1D", "filters": 8, "kernel_size": 5}, (96, 8), (5 * 3 + 1) * 8, 5 * 3 * 8 * 96, (5,)),
    ("conv1d alias same stride", (100, 3), {"type": "Convolution1D", "filters": 4, "kernel_size": 3, "strides": 2, "padding": "same"}, (50, 4), (9 + 1) * 4, 9 * 4 * 50, (3,)),
    # causal: ⌈L / s⌉ outputs, padding d·(k − 1) before; field 1 + d·(k − 1) = 1 + 2·2 = 5.
    ("conv1d causal dilated", (16, 2), {"type": "Conv1D", "filters": 2, "kernel_size": 3, "dilation_rate": 2, "padding": "causal"}, (16, 2), (6 + 1) * 2, 6 * 2 * 16, (5,)),
    ("conv1d groups", (10, 4), {"type": "Conv1D", "filters": 6, "kernel_size": 3, "groups": 2, "use_bias": False}, (8, 6), 3 * 2 * 6, 3 * 2 * 6 * 8, (3,)),
    # channels_first: (C, L) in, (filters, L_out) out; no field is followed.
    ("conv1d channels first", (3, 100), {"type": "Conv1D", "filters": 8, "kernel_size": 5, "data_format": "channels_first"}, (8, 96), 128, 5 * 3 * 8 * 96, None),
    # Conv3D: (k_d·k_h·k_w·C + 1)·filters = (27·2 + 1)·4 = 220; D, H, W: 8−2, 9−2, 10−2.
    ("conv3d valid", (8, 9, 10, 2), {"type": "Conv3D", "filters": 4, "kernel_size": 3}, (6, 7, 8, 4), 220, 27 * 2 * 4 * 6 * 7 * 8, (3, 3, 3)),
    ("conv3d alias same stride", (16, 112, 112, 3), {"type": "Convolution3D", "filters": 8, "kernel_size": [3, 7, 7], "strides": [1, 2, 2], "padding": "same"}, (16, 56, 56, 8), (3 * 49 * 3 + 1) * 8, 3 * 49 * 3 * 8 * 16 * 56 * 56, (3, 7, 7)),
    ("conv3d channels first", (2, 8, 9, 10), {"type": "Conv3D", "filters": 4, "kernel_size": 3, "data_format": "channels_first"}, (4, 6, 7, 8), 220, 27 * 2 * 4 * 6 * 7 * 8, None),
    ("conv2d channels first", (3, 32, 32), {"type": "Conv2D", "filters": 16, "kernel_size": 5, "data_format": "channels_first"}, (16, 28, 28), 1216, 25 * 3 * 16 * 28 * 28, None),
    # DepthwiseConv1D: (k + 1)·C·m; MACs k·C·m·L_out.
    ("depthwise1d multiplier", (20, 4), {"type": "DepthwiseConv1D", "kernel_size": 3, "depth_multiplier": 2}, (18, 8), (3 + 1) * 8, 3 * 8 * 18, (3,)),
    # SeparableConv1D: k·C + C·filters + filters; MACs (k·C + C·filters)·L_out.
    ("separable1d", (20, 4), {"type": "SeparableConv1D", "filters": 6, "kernel_size": 5, "padding": "same"}, (20, 6), 5 * 4 + 4 * 6 + 6, (5 * 4 + 4 * 6) * 20, (5,)),
    ("separable1d alias", (20, 4), {"type": "SeparableConvolution1D", "filters": 6, "kernel_size": 5, "strides": 2}, (8, 6), 50, 44 * 8, (5,)),
    # Conv1DTranspose: (L − 1)·s + k = 9·2 + 3 = 21; MACs L_in·k·C·filters.
    ("transpose1d", (10, 3), {"type": "Conv1DTranspose", "filters": 2, "kernel_size": 3, "strides": 2}, (21, 2), (9 + 1) * 2, 10 * 3 * 3 * 2, (2,)),
    ("transpose1d alias output padding", (10, 3), {"type": "Convolution1DTranspose", "filters": 2, "kernel_size": 4, "strides": 2, "output_padding": 1}, (23, 2), (12 + 1) * 2, 10 * 12 * 2, (2,)),
    # Conv3DTranspose same: D·s per axis; (27·3 + 1)·2 = 164.
    ("transpose3d same", (4, 5, 6, 3), {"type": "Conv3DTranspose", "filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"}, (8, 10, 12, 2), 164, 4 * 5 * 6 * 81 * 2, (2, 2, 2)),
    ("transpose3d alias", (4, 4, 4, 1), {"type": "Convolution3DTranspose", "filters": 1, "kernel_size": 2}, (5, 5, 5, 1), 9, 64 * 8, (2, 2, 2)),
    # Pooling: ⌊(L − P) / s⌋ + 1, stride = pool size unless given.
    ("max pool1d default", (9, 3), {"type": "MaxPooling1D"}, (4, 3), 0, 0, (2,)),
    ("max pool1d alias same stride", (9, 3), {"type": "MaxPool1D", "pool_size": 3, "strides": 2, "padding": "same"}, (5, 3), 0, 0, (3,)),
    ("avg pool1d", (10, 3), {"type": "AveragePooling1D", "pool_size": 4}, (2, 3), 0, 0, (4,)),
    ("avg pool1d alias channels first", (3, 10), {"type": "AvgPool1D", "pool_size": 4, "data_format": "channels_first"}, (3, 2), 0, 0, None),
    ("max pool3d default", (4, 5, 6, 2), {"type": "MaxPooling3D"}, (2, 2, 3, 2), 0, 0, (2, 2, 2)),
    ("max pool3d alias", (4, 5, 6, 2), {"type": "MaxPool3D", "pool_size": [1, 2, 3]}, (4, 2, 2, 2), 0, 0, (1, 2, 3)),
    ("avg pool3d", (4, 4, 4, 2), {"type": "AveragePooling3D", "pool_size": 2, "strides": 1}, (3, 3, 3, 2), 0, 0, (2, 2, 2)),
    ("avg pool3d alias", (4, 4, 4, 2), {"type": "AvgPool3D", "pool_size": 3, "padding": "same"}, (2, 2, 2, 2), 0, 0, (3, 3, 3)),
    # Global pooling: one value per channel; keepdims keeps the axes at size 1.
    ("global avg1d", (50, 8), {"type": "GlobalAveragePooling1D"}, (8,), 0, 0, (50,)),
    ("global avg1d alias keepdims", (50, 8), {"type": "GlobalAvgPool1D", "keepdims": True}, (1, 8), 0, 0, (50,)),
    ("global max1d channels first", (8, 50), {"type": "GlobalMaxPooling1D", "data_format": "channels_first", "keepdims": True}, (8, 1), 0, 0, None),
    ("global max1d alias", (50, 8), {"type": "GlobalMaxPool1D"}, (8,), 0, 0, (50,)),
    ("global avg3d keepdims", (4, 5, 6, 8), {"type": "GlobalAveragePooling3D", "keepdims": True}, (1, 1, 1, 8), 0, 0, (4, 5, 6)),
    ("global avg3d alias", (4, 5, 6, 8), {"type": "GlobalAvgPool3D"}, (8,), 0, 0, (4, 5, 6)),
    ("global max3d", (4, 5, 6, 8), {"type": "GlobalMaxPooling3D"}, (8,), 0, 0, (4, 5, 6)),
    ("global max3d alias", (4, 5, 6, 8), {"type": "GlobalMaxPool3D"}, (8,), 0, 0, (4, 5, 6)),
    ("global avg2d channels first", (8, 5, 6), {"type": "GlobalAveragePooling2D", "data_format": "channels_first", "keepdims": True}, (8, 1, 1), 0, 0, None),
    # Padding, cropping, upsampling.
    ("zero padding1d default", (10, 2), {"type": "ZeroPadding1D"}, (12, 2), 0, 0, (1,)),
    ("zero padding1d pair", (10, 2), {"type": "ZeroPadding1D", "padding": [3, 0]}, (13, 2), 0, 0, (1,)),
    ("zero padding3d", (4, 5, 6, 2), {"type": "ZeroPadding3D", "padding": [1, [0, 2], 3]}, (6, 7, 12, 2), 0, 0, (1, 1, 1)),
    ("zero padding2d channels first", (2, 5, 6), {"type": "ZeroPadding2D", "data_format": "channels_first"}, (2, 7, 8), 0, 0, None),
    ("cropping1d default", (10, 2), {"type": "Cropping1D"}, (8, 2), 0, 0, (1,)),
    ("cropping1d pair", (10, 2), {"type": "Cropping1D", "cropping": [0, 4]}, (6, 2), 0, 0, (1,)),
    ("cropping3d default", (4, 5, 6, 2), {"type": "Cropping3D"}, (2, 3, 4, 2), 0, 0, (1, 1, 1)),
    ("upsampling1d", (10, 2), {"type": "UpSampling1D", "size": 3}, (30, 2), 0, 0, (1,)),
    ("upsampling3d", (2, 3, 4, 2), {"type": "UpSampling3D", "size": [1, 2, 3]}, (2, 6, 12, 2), 0, 0, (1, 1, 1)),
    ("spatial dropout1d", (10, 4), {"type": "SpatialDropout1D", "rate": 0.2}, (10, 4), 0, 0, (1,)),
    ("spatial dropout3d", (2, 3, 4, 5), {"type": "SpatialDropout3D", "rate": 0.2}, (2, 3, 4, 5), 0, 0, (1, 1, 1)),
    # Permute swaps axes (the field is not followed across it); RepeatVector makes a sequence.
    ("permute", (10, 4), {"type": "Permute", "dims": [2, 1]}, (4, 10), 0, 0, None),
    ("permute 3 axes", (2, 3, 4), {"type": "Permute", "dims": [3, 1, 2]}, (4, 2, 3), 0, 0, None),
    ("repeat vector", (6,), {"type": "RepeatVector", "n": 5}, (5, 6), 0, 0, ()),
]  # fmt: skip


@pytest.mark.parametrize(
    ("shape", "layer", "output", "trainable", "macs", "field"),
    [case[1:] for case in ND_CASES],
    ids=[case[0] for case in ND_CASES],
)
def test_nd_layer_rule(
    shape: tuple[int, ...],
    layer: dict[str, Any],
    output: tuple[int, ...],
    trainable: int,
    macs: int,
    field: tuple[int, ...] | None,
) -> None:
    row = trace_one(shape, layer)
    assert row.output_shape == output
    assert (row.trainable_params, row.non_trainable_params) == (trainable, 0)
    assert row.macs == macs
    assert (row.field.size if row.field is not None else None) == field


@pytest.mark.parametrize(
    ("shape", "layer", "arithmetic"),
    [
        ((100, 3), {"type": "Conv1D", "filters": 8, "kernel_size": 5}, ("L: 100 − 5 + 1 = 96",)),
        ((16, 2), {"type": "Conv1D", "filters": 2, "kernel_size": 3, "padding": "causal"}, ("L: 16 (causal)",)),
        ((8, 8, 8, 2), {"type": "Conv3D", "filters": 4, "kernel_size": 3}, ("D, H, W: 8 − 3 + 1 = 6",)),
        ((8, 9, 10, 2), {"type": "MaxPooling3D"}, ("D: ⌊(8 − 2) / 2⌋ + 1 = 4", "H: ⌊(9 − 2) / 2⌋ + 1 = 4", "W: ⌊(10 − 2) / 2⌋ + 1 = 5")),
        ((10, 2), {"type": "ZeroPadding1D", "padding": [3, 0]}, ("L: 3 + 10 + 0 = 13",)),
        ((16, 112, 112, 3), {"type": "Conv3D", "filters": 1, "kernel_size": 3, "padding": "same"}, ("D: 16 (same)", "H, W: 112 (same)")),
    ],
)  # fmt: skip
def test_nd_arithmetic(
    shape: tuple[int, ...], layer: dict[str, Any], arithmetic: tuple[str, ...]
) -> None:
    assert trace_one(shape, layer).arithmetic == arithmetic


def refusal(shape: tuple[int, ...], layer: dict[str, Any]) -> str:
    with pytest.raises(SpecError) as caught:
        trace_network(parse_spec(chain(layer, shape=shape)))
    return str(caught.value)


@pytest.mark.parametrize(
    ("shape", "layer", "message"),
    [
        ((100, 3), {"type": "Conv2D", "filters": 4, "kernel_size": 3},
         "layers[0] ('conv2d', Conv2D) on input (100, 3): Conv2D expects an input of rank 3 (height, width, channels), got (100, 3); the input is a sequence: use Conv1D, or Reshape it to (height, width, channels) first"),
        ((32, 32, 3), {"type": "Conv3D", "filters": 4, "kernel_size": 3},
         "Conv3D expects an input of rank 4 (depth, height, width, channels), got (32, 32, 3); the input is an image: use Conv2D, or Reshape it to (depth, height, width, channels) first"),
        ((8, 8, 8, 3), {"type": "MaxPooling2D"},
         "MaxPooling2D expects an input of rank 3 (height, width, channels), got (8, 8, 8, 3); the input is a volume: use MaxPooling3D"),
        ((8, 8, 3), {"type": "DepthwiseConv1D", "kernel_size": 3},
         "the input is an image: use DepthwiseConv2D"),
        ((8, 8, 3), {"type": "Conv1D", "filters": 1, "kernel_size": 3, "data_format": "channels_first"},
         "Conv1D expects an input of rank 2 (channels, steps), got (8, 8, 3)"),
        ((10,), {"type": "SpatialDropout1D", "rate": 0.1}, "got (10,); use Dropout on other ranks"),
        ((4, 3), {"type": "Conv1D", "filters": 1, "kernel_size": 5}, "the output would be empty (L: 4 − 5 + 1 = 0)"),
        ((4, 3), {"type": "Cropping1D", "cropping": 2}, "the output would be empty (L: 4 − 2 − 2 = 0)"),
        ((4, 3), {"type": "Permute", "dims": [1, 2, 3]}, "dims=[1, 2, 3] permutes 3 axes and the input (4, 3) has 2"),
        ((4, 3), {"type": "RepeatVector", "n": 2}, "RepeatVector expects a vector (features,), got (4, 3)"),
    ],
)  # fmt: skip
def test_nd_refusals_name_the_layer_the_shape_and_the_fix(
    shape: tuple[int, ...], layer: dict[str, Any], message: str
) -> None:
    assert message in refusal(shape, layer)


@pytest.mark.parametrize(
    ("layer", "message"),
    [
        ({"type": "Conv2D", "filters": 1, "kernel_size": 3, "padding": "causal"}, "padding"),
        ({"type": "Conv3D", "filters": 1, "kernel_size": [3, 3]}, "expected an integer >= 1 or a list [depth, height, width] of them, got [3, 3]"),
        ({"type": "Conv1D", "filters": 1, "kernel_size": [3, 3]}, "expected an integer >= 1 or a list [length] of them, got [3, 3]"),
        ({"type": "UpSampling1D", "size": [2]}, "size"),
        ({"type": "Permute", "dims": [0, 1]}, "dims must be a permutation of 1 ... 2"),
        ({"type": "Conv1D", "filters": 1, "kernel_size": 3, "data_format": "channels_middle"}, "data_format"),
    ],
)  # fmt: skip
def test_nd_arguments_keras_refuses_are_refused(layer: dict[str, Any], message: str) -> None:
    assert message in refusal((8, 8, 3), layer)


@pytest.mark.parametrize(
    ("shape", "layers", "message"),
    [
        ((20, 2), [{"type": "Conv1D", "filters": 2, "kernel_size": 3, "name": "a"}, {"type": "Add", "inputs": ["input", "a"]}],
         "gets (20, 2) from 'input' and (18, 2) from 'a': steps differs (20 vs 18); an element-wise merge needs equal sizes on every axis (or 1, repeated to match); use padding='same' on 'a'"),
        ((4, 8, 8, 2), [{"type": "Conv3D", "filters": 2, "kernel_size": [3, 1, 1], "name": "a"}, {"type": "Add", "inputs": ["input", "a"]}],
         "depth differs (4 vs 2); an element-wise merge needs equal sizes on every axis (or 1, repeated to match); use padding='same' on 'a'"),
    ],
)  # fmt: skip
def test_merge_mismatches_of_sequences_and_volumes_name_the_axis(
    shape: tuple[int, ...], layers: list[dict[str, Any]], message: str
) -> None:
    with pytest.raises(SpecError) as caught:
        trace_network(parse_spec(chain(*layers, shape=shape)))
    assert message in str(caught.value)
