"""Table-driven: one layer on one input shape in, its output shape, parameters and arithmetic out.

Every expected value here was counted by hand from Keras' rules; the Keras cross-check tests
(tests/keras) compare the same rules against Keras itself.
"""

from __future__ import annotations

from typing import Any

import pytest

from archplan import parse_spec, trace_network
from archplan.layers import LAYER_CLASSES
from tests.conftest import chain
from tests.engine.conftest import trace_one
from tests.engine.test_attention_layers import ATTENTION_CASES
from tests.engine.test_nd_layers import ND_CASES

CASES: list[tuple[str, tuple[int, ...], dict[str, Any], tuple[int, ...], int, int]] = [
    # id, input shape, layer, output shape, trainable, non-trainable
    ("conv valid 5x5", (32, 32, 3), {"type": "Conv2D", "filters": 16, "kernel_size": 5}, (28, 28, 16), 1216, 0),
    ("conv same 3x3", (32, 32, 3), {"type": "Conv2D", "filters": 64, "kernel_size": 3, "padding": "same"}, (32, 32, 64), 1792, 0),
    ("conv alias", (32, 32, 3), {"type": "Convolution2D", "filters": 8, "kernel_size": 3}, (30, 30, 8), 224, 0),
    ("conv non-square kernel", (32, 30, 3), {"type": "Conv2D", "filters": 4, "kernel_size": [3, 5]}, (30, 26, 4), 184, 0),
    ("conv stride 2 valid odd", (33, 33, 3), {"type": "Conv2D", "filters": 4, "kernel_size": 3, "strides": 2}, (16, 16, 4), 112, 0),
    ("conv stride 2 same odd", (33, 33, 3), {"type": "Conv2D", "filters": 4, "kernel_size": 3, "strides": 2, "padding": "same"}, (17, 17, 4), 112, 0),
    ("conv stride [1, 3]", (10, 10, 1), {"type": "Conv2D", "filters": 2, "kernel_size": 2, "strides": [1, 3]}, (9, 3, 2), 10, 0),
    ("conv dilation 2 valid", (32, 32, 3), {"type": "Conv2D", "filters": 4, "kernel_size": 3, "dilation_rate": 2}, (28, 28, 4), 112, 0),
    ("conv dilation same", (32, 32, 3), {"type": "Conv2D", "filters": 4, "kernel_size": 3, "dilation_rate": 3, "padding": "same"}, (32, 32, 4), 112, 0),
    ("conv no bias", (8, 8, 3), {"type": "Conv2D", "filters": 4, "kernel_size": 3, "use_bias": False}, (6, 6, 4), 108, 0),
    ("conv groups", (8, 8, 8), {"type": "Conv2D", "filters": 4, "kernel_size": 3, "groups": 2}, (6, 6, 4), 148, 0),
    ("conv kernel = input", (5, 5, 1), {"type": "Conv2D", "filters": 1, "kernel_size": 5}, (1, 1, 1), 26, 0),
    ("max pool 2", (28, 28, 16), {"type": "MaxPooling2D", "pool_size": 2}, (14, 14, 16), 0, 0),
    ("max pool default", (7, 7, 2), {"type": "MaxPool2D"}, (3, 3, 2), 0, 0),
    ("max pool same odd", (7, 7, 2), {"type": "MaxPooling2D", "padding": "same"}, (4, 4, 2), 0, 0),
    ("max pool 3 stride 2", (32, 32, 1), {"type": "MaxPooling2D", "pool_size": 3, "strides": 2}, (15, 15, 1), 0, 0),
    ("avg pool alias", (9, 6, 3), {"type": "AvgPool2D", "pool_size": [3, 2]}, (3, 3, 3), 0, 0),
    ("avg pool stride 1", (5, 5, 3), {"type": "AveragePooling2D", "pool_size": 2, "strides": 1}, (4, 4, 3), 0, 0),
    ("global avg", (8, 8, 16), {"type": "GlobalAveragePooling2D"}, (16,), 0, 0),
    ("global max keepdims", (8, 8, 16), {"type": "GlobalMaxPooling2D", "keepdims": True}, (1, 1, 16), 0, 0),
    ("flatten", (8, 8, 16), {"type": "Flatten"}, (1024,), 0, 0),
    ("flatten rank 1", (10,), {"type": "Flatten"}, (10,), 0, 0),
    ("dense", (1024,), {"type": "Dense", "units": 512}, (512,), 524800, 0),
    ("dense no bias", (64,), {"type": "Dense", "units": 10, "use_bias": False}, (10,), 640, 0),
    ("dense on rank 3", (4, 4, 8), {"type": "Dense", "units": 3}, (4, 4, 3), 27, 0),
    ("dropout", (4, 4, 8), {"type": "Dropout", "rate": 0.5}, (4, 4, 8), 0, 0),
    ("activation", (10,), {"type": "Activation", "activation": "softmax"}, (10,), 0, 0),
    ("batch norm", (16, 16, 64), {"type": "BatchNormalization"}, (16, 16, 64), 128, 128),
    ("batch norm no scale", (16, 16, 64), {"type": "BatchNormalization", "scale": False}, (16, 16, 64), 64, 128),
    ("batch norm axis 1", (5, 6, 7), {"type": "BatchNormalization", "axis": 1}, (5, 6, 7), 10, 10),
    ("zero padding int", (32, 32, 3), {"type": "ZeroPadding2D", "padding": 2}, (36, 36, 3), 0, 0),
    ("zero padding pair", (32, 32, 3), {"type": "ZeroPadding2D", "padding": [1, 3]}, (34, 38, 3), 0, 0),
    ("zero padding margins", (32, 32, 3), {"type": "ZeroPadding2D", "padding": [[0, 1], [2, 3]]}, (33, 37, 3), 0, 0),
    ("zero padding default", (4, 4, 1), {"type": "ZeroPadding2D"}, (6, 6, 1), 0, 0),
    ("zero padding mixed", (4, 4, 1), {"type": "ZeroPadding2D", "padding": [[0, 1], 2]}, (5, 8, 1), 0, 0),
    ("conv groups = channels", (8, 8, 6), {"type": "Conv2D", "filters": 12, "kernel_size": 3, "groups": 6}, (6, 6, 12), 3 * 3 * 1 * 12 + 12, 0),
    ("depthwise", (32, 32, 16), {"type": "DepthwiseConv2D", "kernel_size": 3}, (30, 30, 16), (3 * 3 + 1) * 16, 0),
    ("depthwise multiplier same stride", (33, 32, 8), {"type": "DepthwiseConv2D", "kernel_size": 3, "strides": 2, "padding": "same", "depth_multiplier": 3}, (17, 16, 24), (9 + 1) * 24, 0),
    ("depthwise stride and dilation", (9, 9, 3), {"type": "DepthwiseConv2D", "kernel_size": 3, "strides": 2, "dilation_rate": 2}, (3, 3, 3), 30, 0),
    ("depthwise no bias", (8, 8, 4), {"type": "DepthwiseConv2D", "kernel_size": [3, 1], "use_bias": False}, (6, 8, 4), 12, 0),
    ("separable", (32, 32, 16), {"type": "SeparableConv2D", "filters": 32, "kernel_size": 3, "padding": "same"}, (32, 32, 32), 3 * 3 * 16 + 16 * 32 + 32, 0),
    ("separable alias multiplier", (9, 9, 3), {"type": "SeparableConvolution2D", "filters": 4, "kernel_size": 3, "strides": 2, "dilation_rate": 2, "depth_multiplier": 2}, (3, 3, 4), 82, 0),
    ("separable no bias", (8, 8, 4), {"type": "SeparableConv2D", "filters": 2, "kernel_size": 2, "use_bias": False}, (7, 7, 2), 2 * 2 * 4 + 4 * 2, 0),
    ("transpose valid", (5, 5, 3), {"type": "Conv2DTranspose", "filters": 2, "kernel_size": 3, "strides": 2}, (11, 11, 2), 56, 0),
    ("transpose same", (5, 6, 3), {"type": "Conv2DTranspose", "filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"}, (10, 12, 2), 56, 0),
    ("transpose stride > kernel", (2, 2, 3), {"type": "Convolution2DTranspose", "filters": 2, "kernel_size": 1, "strides": 3}, (6, 6, 2), 8, 0),
    ("transpose output padding valid", (5, 5, 3), {"type": "Conv2DTranspose", "filters": 2, "kernel_size": 4, "strides": 2, "output_padding": 1}, (13, 13, 2), 98, 0),
    ("transpose output padding same", (5, 6, 3), {"type": "Conv2DTranspose", "filters": 2, "kernel_size": 5, "strides": 2, "padding": "same", "output_padding": 1}, (10, 12, 2), 152, 0),
    ("transpose output padding 0 odd", (5, 5, 3), {"type": "Conv2DTranspose", "filters": 2, "kernel_size": 3, "strides": 2, "padding": "same", "output_padding": 0}, (9, 9, 2), 56, 0),
    ("transpose dilated", (5, 5, 3), {"type": "Conv2DTranspose", "filters": 2, "kernel_size": 3, "dilation_rate": 2, "use_bias": False}, (9, 9, 2), 54, 0),
    ("upsampling", (5, 5, 3), {"type": "UpSampling2D"}, (10, 10, 3), 0, 0),
    ("upsampling bilinear pair", (5, 5, 3), {"type": "UpSampling2D", "size": [2, 3], "interpolation": "bilinear"}, (10, 15, 3), 0, 0),
    ("cropping int", (32, 32, 3), {"type": "Cropping2D", "cropping": 2}, (28, 28, 3), 0, 0),
    ("cropping margins", (32, 30, 3), {"type": "Cropping2D", "cropping": [[0, 1], [2, 3]]}, (31, 25, 3), 0, 0),
    ("cropping default", (4, 4, 1), {"type": "Cropping2D"}, (4, 4, 1), 0, 0),
    ("reshape", (4, 4, 3), {"type": "Reshape", "target_shape": [8, 6]}, (8, 6), 0, 0),
    ("reshape -1", (4, 4, 3), {"type": "Reshape", "target_shape": [-1, 3]}, (16, 3), 0, 0),
    ("identity", (4, 4, 3), {"type": "Identity"}, (4, 4, 3), 0, 0),
    ("add", (4, 4, 3), {"type": "Add", "inputs": ["input", "input"]}, (4, 4, 3), 0, 0),
    ("subtract", (4, 4, 3), {"type": "Subtract", "inputs": ["input", "input"]}, (4, 4, 3), 0, 0),
    ("multiply one input", (4, 4, 3), {"type": "Multiply", "inputs": ["input"]}, (4, 4, 3), 0, 0),
    ("average", (4, 4, 3), {"type": "Average", "inputs": ["input", "input", "input"]}, (4, 4, 3), 0, 0),
    ("maximum", (4, 4, 3), {"type": "Maximum", "inputs": ["input", "input"]}, (4, 4, 3), 0, 0),
    ("minimum", (4, 4, 3), {"type": "Minimum", "inputs": ["input", "input"]}, (4, 4, 3), 0, 0),
    ("concatenate", (4, 4, 3), {"type": "Concatenate", "inputs": ["input", "input"]}, (4, 4, 6), 0, 0),
    ("concatenate height", (4, 5, 3), {"type": "Concatenate", "axis": 1, "inputs": ["input", "input", "input"]}, (12, 5, 3), 0, 0),
    ("random flip", (32, 32, 3), {"type": "RandomFlip", "mode": "horizontal"}, (32, 32, 3), 0, 0),
    ("random translation", (32, 30, 3), {"type": "RandomTranslation", "height_factor": 0.125, "width_factor": [-0.1, 0.2]}, (32, 30, 3), 0, 0),
    ("random rotation", (32, 32, 3), {"type": "RandomRotation", "factor": 0.05, "fill_mode": "constant"}, (32, 32, 3), 0, 0),
    ("random zoom", (32, 32, 3), {"type": "RandomZoom", "height_factor": [-0.2, 0.1]}, (32, 32, 3), 0, 0),
    ("random crop", (40, 40, 3), {"type": "RandomCrop", "height": 32, "width": 32}, (32, 32, 3), 0, 0),
    ("random crop non-square", (32, 32, 3), {"type": "RandomCrop", "height": 32, "width": 24}, (32, 24, 3), 0, 0),
    ("random crop larger (resized)", (32, 32, 3), {"type": "RandomCrop", "height": 40, "width": 36}, (40, 36, 3), 0, 0),
    ("spatial dropout", (16, 16, 64), {"type": "SpatialDropout2D", "rate": 0.1}, (16, 16, 64), 0, 0),
    ("layer norm", (16, 16, 64), {"type": "LayerNormalization"}, (16, 16, 64), 128, 0),
    ("layer norm no center", (16, 16, 64), {"type": "LayerNormalization", "center": False}, (16, 16, 64), 64, 0),
    ("layer norm no scale no center", (16, 16, 64), {"type": "LayerNormalization", "center": False, "scale": False}, (16, 16, 64), 0, 0),
    ("layer norm height and width", (6, 5, 3), {"type": "LayerNormalization", "axis": [1, 2]}, (6, 5, 3), 2 * 6 * 5, 0),
    ("layer norm all axes", (6, 5, 3), {"type": "LayerNormalization", "axis": [-3, -2, -1]}, (6, 5, 3), 2 * 6 * 5 * 3, 0),
    ("layer norm rank 1", (10,), {"type": "LayerNormalization"}, (10,), 20, 0),
    ("rescaling", (32, 32, 3), {"type": "Rescaling", "scale": 0.00392156862745098}, (32, 32, 3), 0, 0),
    ("rescaling per channel", (32, 32, 3), {"type": "Rescaling", "scale": [1, 2, 3], "offset": -1}, (32, 32, 3), 0, 0),
    ("normalization per channel", (32, 32, 3), {"type": "Normalization", "mean": [0.49, 0.48, 0.45], "variance": [0.06, 0.06, 0.07]}, (32, 32, 3), 0, 0),
    ("normalization scalar, no axis", (32, 32, 3), {"type": "Normalization", "axis": None, "mean": 0.5, "variance": 0.25}, (32, 32, 3), 0, 0),
    ("conv l2", (32, 32, 3), {"type": "Conv2D", "filters": 64, "kernel_size": 3, "padding": "same", "kernel_regularizer": {"l2": 0.0005}}, (32, 32, 64), 1792, 0),
    ("dense l1 l2", (64,), {"type": "Dense", "units": 10, "kernel_regularizer": {"l1": 0.001, "l2": 0.01}}, (10,), 650, 0),
    ("relu", (8, 8, 3), {"type": "ReLU"}, (8, 8, 3), 0, 0),
    ("relu6", (8, 8, 3), {"type": "ReLU", "max_value": 6.0}, (8, 8, 3), 0, 0),
    ("normalization to adapt", (224, 224, 3), {"type": "Normalization", "axis": 3}, (224, 224, 3), 0, 2 * 3 + 1),
    ("normalization to adapt no axis", (4, 4, 3), {"type": "Normalization", "axis": None}, (4, 4, 3), 0, 3),
    ("dropout noise shape", (7, 7, 16), {"type": "Dropout", "rate": 0.2, "noise_shape": [None, 1, 1, 1]}, (7, 7, 16), 0, 0),
]  # fmt: skip


@pytest.mark.parametrize(
    ("shape", "layer", "output", "trainable", "non_trainable"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_layer_rule(
    shape: tuple[int, ...],
    layer: dict[str, Any],
    output: tuple[int, ...],
    trainable: int,
    non_trainable: int,
) -> None:
    row = trace_one(shape, layer)
    assert row.input_shape == shape
    assert row.output_shape == output
    assert (row.trainable_params, row.non_trainable_params) == (trainable, non_trainable)


def test_every_layer_type_has_a_table_row() -> None:
    rows = [case[1:3] for case in (*CASES, *ND_CASES, *ATTENTION_CASES)]
    covered = {trace_one(shape, layer).type for shape, layer in rows}
    assert covered >= {cls.keras_class for cls in LAYER_CLASSES}


@pytest.mark.parametrize(
    ("shape", "layer", "arithmetic", "formula"),
    [
        ((32, 32, 3), {"type": "Conv2D", "filters": 16, "kernel_size": 5}, ["H, W: 32 − 5 + 1 = 28"], "(5·5·3 + 1)·16 = 1,216"),
        ((32, 32, 3), {"type": "Conv2D", "filters": 64, "kernel_size": 3, "padding": "same"}, ["H, W: 32 (same)"], "(3·3·3 + 1)·64 = 1,792"),
        ((33, 32, 3), {"type": "Conv2D", "filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"}, ["H: ⌈33 / 2⌉ = 17", "W: ⌈32 / 2⌉ = 16"], "(3·3·3 + 1)·2 = 56"),
        ((32, 32, 3), {"type": "Conv2D", "filters": 2, "kernel_size": 3, "strides": 2}, ["H, W: ⌊(32 − 3) / 2⌋ + 1 = 15"], "(3·3·3 + 1)·2 = 56"),
        ((32, 32, 3), {"type": "Conv2D", "filters": 2, "kernel_size": 3, "dilation_rate": 2}, ["H, W: 32 − (2·(3 − 1) + 1) + 1 = 28"], "(3·3·3 + 1)·2 = 56"),
        ((32, 32, 3), {"type": "Conv2D", "filters": 2, "kernel_size": 3, "use_bias": False}, ["H, W: 32 − 3 + 1 = 30"], "3·3·3·2 = 54"),
        ((28, 28, 16), {"type": "MaxPooling2D", "pool_size": 2}, ["H, W: ⌊(28 − 2) / 2⌋ + 1 = 14"], "0"),
        ((8, 8, 16), {"type": "Flatten"}, ["8·8·16 = 1,024"], "0"),
        ((1024,), {"type": "Dense", "units": 512}, ["1024 → 512 units"], "(1024 + 1)·512 = 524,800"),
        ((16, 16, 64), {"type": "BatchNormalization"}, ["normalises axis -1 (64 channels)"], "4·64 = 256 (128 non-trainable)"),
        ((4, 4, 1), {"type": "ZeroPadding2D", "padding": [[0, 1], [2, 2]]}, ["H: 0 + 4 + 1 = 5", "W: 2 + 4 + 2 = 8"], "0"),
        ((32, 32, 16), {"type": "DepthwiseConv2D", "kernel_size": 3}, ["H, W: 32 − 3 + 1 = 30"], "(3·3 + 1)·16 = 160"),
        ((32, 32, 16), {"type": "DepthwiseConv2D", "kernel_size": 3, "depth_multiplier": 2, "use_bias": False, "padding": "same"},
         ["H, W: 32 (same)", "channels: 16·2 = 32"], "3·3·16·2 = 288"),
        ((32, 32, 16), {"type": "SeparableConv2D", "filters": 32, "kernel_size": 3, "padding": "same"}, ["H, W: 32 (same)"], "3·3·16 + 16·32 + 32 = 688"),
        ((8, 8, 4), {"type": "SeparableConv2D", "filters": 8, "kernel_size": 3, "depth_multiplier": 2, "use_bias": False},
         ["H, W: 8 − 3 + 1 = 6"], "3·3·4·2 + 4·2·8 = 136"),
        ((5, 5, 3), {"type": "Conv2DTranspose", "filters": 2, "kernel_size": 3, "strides": 2}, ["H, W: (5 − 1)·2 + 3 = 11"], "(3·3·3 + 1)·2 = 56"),
        ((5, 5, 3), {"type": "Conv2DTranspose", "filters": 2, "kernel_size": 3}, ["H, W: 5 + 3 − 1 = 7"], "(3·3·3 + 1)·2 = 56"),
        ((5, 6, 3), {"type": "Conv2DTranspose", "filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"}, ["H: 5·2 = 10", "W: 6·2 = 12"], "(3·3·3 + 1)·2 = 56"),
        ((2, 2, 3), {"type": "Conv2DTranspose", "filters": 2, "kernel_size": 1, "strides": 3}, ["H, W: (2 − 1)·3 + max(1, 3) = 6"], "(1·1·3 + 1)·2 = 8"),
        ((5, 5, 3), {"type": "Conv2DTranspose", "filters": 2, "kernel_size": 4, "strides": 2, "output_padding": 1}, ["H, W: (5 − 1)·2 + 4 + 1 = 13"], "(4·4·3 + 1)·2 = 98"),
        ((5, 5, 3), {"type": "Conv2DTranspose", "filters": 2, "kernel_size": 5, "strides": 2, "padding": "same", "output_padding": 1},
         ["H, W: (5 − 1)·2 + 5 mod 2 + 1 = 10"], "(5·5·3 + 1)·2 = 152"),
        ((5, 5, 3), {"type": "Conv2DTranspose", "filters": 2, "kernel_size": 3, "dilation_rate": 2, "use_bias": False}, ["H, W: 5 + 2·(3 − 1) + 1 − 1 = 9"], "3·3·3·2 = 54"),
        ((5, 5, 3), {"type": "UpSampling2D", "size": [2, 3]}, ["H: 5·2 = 10", "W: 5·3 = 15"], "0"),
        ((32, 30, 3), {"type": "Cropping2D", "cropping": [[0, 1], [2, 3]]}, ["H: 32 − 0 − 1 = 31", "W: 30 − 2 − 3 = 25"], "0"),
        ((4, 4, 3), {"type": "Reshape", "target_shape": [8, 6]}, ["4·4·3 = 48 = 8·6"], "0"),
        ((4, 4, 3), {"type": "Reshape", "target_shape": [-1, 6]}, ["-1 = 4·4·3 / 6 = 8"], "0"),
        ((4, 4, 3), {"type": "Concatenate", "inputs": ["input", "input"]}, ["axis -1: 3 + 3 = 6"], "0"),
        ((4, 4, 3), {"type": "Add", "inputs": ["input", "input"]}, ["sum of 2 inputs, value by value"], "0"),
    ],
)  # fmt: skip
def test_arithmetic_and_formula_read_as_taught(
    shape: tuple[int, ...], layer: dict[str, Any], arithmetic: list[str], formula: str
) -> None:
    row = trace_one(shape, layer)
    assert list(row.arithmetic) == arithmetic
    assert row.param_formula == formula


def test_keras_default_names_count_per_type() -> None:
    spec = chain(
        {"type": "Conv2D", "filters": 2, "kernel_size": 3},
        {"type": "Conv2D", "filters": 2, "kernel_size": 3, "name": "conv2d_1"},
        {"type": "Convolution2D", "filters": 2, "kernel_size": 3},
        {"type": "MaxPool2D"},
        {"type": "GlobalAveragePooling2D"},
    )
    names = [row.name for row in trace_network(parse_spec(spec)).layers]
    assert names == ["conv2d", "conv2d_1", "conv2d_2", "max_pooling2d", "global_average_pooling2d"]
