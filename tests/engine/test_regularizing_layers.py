"""Augmentation, preprocessing, LayerNormalization, SpatialDropout2D and kernel regularizers: the
engine's tables beyond the rule table, and every way their arguments can be wrong, as a user reads it.

Keras' own verdicts on the same layers are in test_regularizing_layers_keras.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from archplan import SpecError, load_spec, parse_spec, trace_network
from archplan.layers.args import Regularizer, to_regularizer
from archplan.rules.receptive import Field
from archplan.schema import Network
from tests.conftest import SPECS, chain
from tests.engine.conftest import trace_one


def refusal(shape: tuple[int, ...], *layers: dict[str, Any]) -> str:
    with pytest.raises(SpecError) as caught:
        trace_network(parse_spec(chain(*layers, shape=shape)))
    return str(caught.value)


@pytest.mark.parametrize(
    ("shape", "layer", "arithmetic", "formula"),
    [
        ((32, 32, 3), {"type": "RandomFlip", "mode": "horizontal"}, ["training: flips half the images (horizontal); inference: identity"], "0"),
        ((32, 32, 3), {"type": "RandomTranslation", "height_factor": 0.1, "width_factor": 0.1}, ["training: shifts each image at random; inference: identity"], "0"),
        ((40, 40, 3), {"type": "RandomCrop", "height": 32, "width": 32},
         ["H, W: a random 32 of 40", "inference: Keras 3.15 passes the 40×40 input through uncropped (keras-team/keras#21868)"], "0"),
        ((40, 36, 3), {"type": "RandomCrop", "height": 40, "width": 32},
         ["H: all 40", "W: the centre 32 of 36", "inference: Keras 3.15 passes the 40×36 input through uncropped (keras-team/keras#21868)"], "0"),
        ((32, 32, 3), {"type": "RandomCrop", "height": 32, "width": 32}, ["H, W: all 32"], "0"),
        ((16, 16, 64), {"type": "SpatialDropout2D", "rate": 0.1}, ["training: drops whole channels of 64; inference: identity"], "0"),
        ((16, 16, 64), {"type": "LayerNormalization"}, ["normalises each sample over axis -1 (64 values)"], "2·64 = 128"),
        ((6, 5, 3), {"type": "LayerNormalization", "axis": [2, 1], "scale": False}, ["normalises each sample over axis 2, 1 (30 values)"], "1·6·5 = 30"),
        ((32, 32, 3), {"type": "Rescaling", "scale": 0.00392156862745098}, ["x·1/255"], "0"),
        ((32, 32, 3), {"type": "Rescaling", "scale": 0.5, "offset": -1}, ["x·0.5 − 1"], "0"),
        ((32, 32, 3), {"type": "Normalization", "mean": [0.49, 0.48, 0.45], "variance": [0.06, 0.06, 0.07]},
         ["(x − mean) / √variance, per value of axis -1"], "0 (mean and variance are constants)"),
        ((32, 32, 3), {"type": "Normalization", "axis": None, "mean": 0.5, "variance": 0.25, "invert": True},
         ["x·√variance + mean, all values"], "0 (mean and variance are constants)"),
        ((32, 32, 3), {"type": "Normalization"},
         ["(x − mean) / √variance, per value of axis -1"], "2·3 + 1 = 7 (non-trainable: mean, variance, count, to adapt)"),
        ((6, 5, 3), {"type": "Normalization", "axis": [1, 2]},
         ["(x − mean) / √variance, per value of axis 1, 2"], "2·30 + 1 = 61 (non-trainable: mean, variance, count, to adapt)"),
        ((8, 8, 3), {"type": "ReLU"}, ["max(x, 0)"], "0"),
        ((8, 8, 3), {"type": "ReLU", "max_value": 6.0}, ["min(max(x, 0), 6)"], "0"),
        ((8, 8, 3), {"type": "ReLU", "negative_slope": 0.1}, ["x ≥ 0 ? x : 0.1·x"], "0"),
        ((8, 8, 3), {"type": "ReLU", "threshold": 0.5}, ["x ≥ 0.5 ? x : 0"], "0"),
        ((8, 8, 3), {"type": "ReLU", "negative_slope": 0.2, "threshold": 1, "max_value": 4}, ["min(x ≥ 1 ? x : 0.2·(x − 1), 4)"], "0"),
    ],
)  # fmt: skip
def test_arithmetic_and_formula(
    shape: tuple[int, ...], layer: dict[str, Any], arithmetic: list[str], formula: str
) -> None:
    row = trace_one(shape, layer)
    assert list(row.arithmetic) == arithmetic
    assert row.param_formula == formula


@pytest.mark.parametrize(
    ("layer", "arguments"),
    [
        ({"type": "RandomFlip"}, "horizontal and vertical"),
        ({"type": "RandomTranslation", "height_factor": 0.125, "width_factor": [-0.1, 0.2], "fill_mode": "constant", "fill_value": 1},
         "height ±0.125, width -0.1 to 0.2, fill constant 1"),
        ({"type": "RandomRotation", "factor": 0.05}, "±0.05 turn (±18°)"),
        ({"type": "RandomRotation", "factor": [0.25, -0.125], "fill_mode": "nearest", "interpolation": "nearest"},
         "-0.125 to 0.25 turn (-45° to 90°), fill nearest, nearest"),
        ({"type": "RandomZoom", "height_factor": 0.2}, "±0.2, aspect kept"),
        ({"type": "RandomZoom", "height_factor": 0.2, "width_factor": [-0.1, 0]}, "height ±0.2, width -0.1 to 0"),
        ({"type": "RandomCrop", "height": 8, "width": 6}, "8×6"),
        ({"type": "SpatialDropout2D", "rate": 0.25}, "rate 0.25"),
        ({"type": "LayerNormalization"}, ""),
        ({"type": "LayerNormalization", "axis": [1, 2], "center": False}, "axis 1, 2, no center"),
        ({"type": "Rescaling", "scale": 0.00784313725490196, "offset": -1}, "×0.00784314 − 1"),
        ({"type": "Rescaling", "scale": [1, 2, 4, 8]}, "×[1, 2, 4, 8]"),
        ({"type": "Normalization", "mean": 0.5, "variance": 0.25}, "mean 0.5, variance 0.25"),
        ({"type": "Normalization", "axis": None, "mean": 0.5, "variance": 0.25}, "mean 0.5, variance 0.25, axis none"),
        ({"type": "Normalization", "axis": [1, 2], "mean": 0.5, "variance": 0.25}, "mean 0.5, variance 0.25, axis 1, 2"),
        ({"type": "Normalization", "axis": 1, "mean": [0.5] * 12, "variance": [1] * 12}, "12 means and variances, axis 1"),
        ({"type": "Normalization", "mean": [0.1, 0.2, 0.3, 0.4], "variance": [1, 1, 1, 1], "invert": True},
         "mean [0.1, 0.2, 0.3, 0.4], variance [1, 1, 1, 1], inverted"),
        ({"type": "Normalization"}, "to adapt"),
        ({"type": "Normalization", "axis": 3}, "to adapt, axis 3"),
        ({"type": "ReLU"}, ""),
        ({"type": "ReLU", "max_value": 6}, "max 6"),
        ({"type": "ReLU", "negative_slope": 0.1, "threshold": 0.5}, "slope 0.1, threshold 0.5"),
        ({"type": "Dropout", "rate": 0.2, "noise_shape": [None, 1, 1, 1]}, "rate 0.2, noise shape (None, 1, 1, 1)"),
        ({"type": "Conv2D", "filters": 8, "kernel_size": 3, "activation": "relu", "kernel_regularizer": {"l2": 0.0005}},
         "8 filters, 3×3, valid, relu, L2 0.0005"),
        ({"type": "Dense", "units": 4, "kernel_regularizer": {"l1": 1e-5, "l2": 0.0005}}, "4 units, L1 1e-05 + L2 0.0005"),
        ({"type": "Dense", "units": 4, "kernel_regularizer": "l2"}, "4 units, L2 0.01"),
    ],
)  # fmt: skip
def test_arguments_column(layer: dict[str, Any], arguments: str) -> None:
    assert trace_one((12, 12, 4), layer).arguments == arguments


def field_of(shape: tuple[int, ...], *layers: dict[str, Any]) -> Field | None:
    return trace_network(parse_spec(chain(*layers, shape=shape))).layers[-1].field


CONV = {"type": "Conv2D", "filters": 2, "kernel_size": 3}


def test_augmentations_leave_the_receptive_field_alone() -> None:
    plain = field_of((16, 16, 3), CONV)
    for layer in (
        {"type": "RandomFlip"},
        {"type": "RandomTranslation", "height_factor": 0.2, "width_factor": 0.2},
        {"type": "RandomRotation", "factor": 0.1},
        {"type": "RandomZoom", "height_factor": 0.1},
        {"type": "SpatialDropout2D", "rate": 0.5},
        {"type": "Rescaling", "scale": 0.5},
        {"type": "Normalization", "mean": 0.5, "variance": 1},
        {"type": "LayerNormalization"},
    ):
        assert field_of((16, 16, 3), layer, CONV) == plain, layer["type"]


def test_random_crop_moves_the_start_by_the_centre_offset() -> None:
    """Like Cropping2D with the mean of the random offsets (rounded down, as Keras' centre crop)."""
    crop = field_of((40, 37, 3), {"type": "RandomCrop", "height": 32, "width": 32}, CONV)
    cropping = field_of((40, 37, 3), {"type": "Cropping2D", "cropping": [[4, 4], [2, 3]]}, CONV)
    assert crop == cropping == Field(size=(3, 3), jump=(1, 1), start=(5.0, 3.0))


def test_a_random_crop_that_resizes_up_has_no_field() -> None:
    assert field_of((32, 32, 3), {"type": "RandomCrop", "height": 40, "width": 32}, CONV) is None


def test_layer_normalization_over_height_and_width_sees_the_whole_input() -> None:
    field = field_of((8, 6, 3), CONV, {"type": "LayerNormalization", "axis": [1, 2, 3]})
    assert field is not None
    assert field.whole
    assert field.size == (8, 6)


# Regularizers: the three spellings, one value; Keras' form on the way out.
SPELLINGS = [
    ({"l2": 0.0005}, Regularizer(l2=0.0005), {"class_name": "L2", "config": {"l2": 0.0005}}),
    ({"l1": 0.001}, Regularizer(l1=0.001), {"class_name": "L1", "config": {"l1": 0.001}}),
    ({"l1": 0.001, "l2": 0.0005}, Regularizer(0.001, 0.0005), {"class_name": "L1L2", "config": {"l1": 0.001, "l2": 0.0005}}),
    ({"l2": 0}, Regularizer(), {"class_name": "L1L2", "config": {"l1": 0.0, "l2": 0.0}}),
    ("l2", Regularizer(l2=0.01), {"class_name": "L2", "config": {"l2": 0.01}}),
    ("L1", Regularizer(l1=0.01), {"class_name": "L1", "config": {"l1": 0.01}}),
    ("l1l2", Regularizer(), {"class_name": "L1L2", "config": {"l1": 0.0, "l2": 0.0}}),
    ({"class_name": "L2", "config": {"l2": 0.0005}}, Regularizer(l2=0.0005), {"class_name": "L2", "config": {"l2": 0.0005}}),
    ({"class_name": "L2"}, Regularizer(l2=0.01), {"class_name": "L2", "config": {"l2": 0.01}}),
    ({"class_name": "l1l2", "config": {"l2": 0.1}}, Regularizer(l2=0.1), {"class_name": "L2", "config": {"l2": 0.1}}),
]  # fmt: skip


@pytest.mark.parametrize(("written", "value", "keras"), SPELLINGS)
def test_regularizer_spellings(written: Any, value: Regularizer, keras: dict[str, Any]) -> None:
    layer = parse_spec(chain({"type": "Dense", "units": 3, "kernel_regularizer": written})).layers[
        0
    ]
    assert layer.kernel_regularizer == value  # type: ignore[attr-defined]
    assert layer.keras_arguments()["kernel_regularizer"] == keras


def test_a_regularized_spec_reads_back_from_its_record() -> None:
    """A run's spec.json holds Keras' form, which reads back to the same network."""
    spec = chain(
        {"type": "Conv2D", "filters": 4, "kernel_size": 3, "kernel_regularizer": {"l2": 0.0005}},
        {"type": "Flatten"},
        {"type": "Dense", "units": 3, "kernel_regularizer": {"l1": 0.01, "l2": 0.02}},
    )
    network = parse_spec(spec)
    record = network.model_dump(mode="json", by_alias=True, exclude={"json_schema_url"})
    assert record["layers"][0]["kernel_regularizer"] == {
        "class_name": "L2",
        "config": {"l2": 0.0005},
    }
    assert parse_spec(json.loads(json.dumps(record))) == network


def test_regularizers_change_no_parameter_count() -> None:
    plain = chain(
        {"type": "Conv2D", "filters": 4, "kernel_size": 3},
        {"type": "Flatten"},
        {"type": "Dense", "units": 3},
    )
    penalised = json.loads(json.dumps(plain))
    for layer in (penalised["layers"][0], penalised["layers"][2]):
        layer["kernel_regularizer"] = {"l2": 0.01}
    traces = [trace_network(parse_spec(spec)) for spec in (plain, penalised)]
    assert [row.params for row in traces[0].layers] == [row.params for row in traces[1].layers]
    assert traces[0].total_macs == traces[1].total_macs


def test_to_regularizer_takes_its_own_value() -> None:
    assert to_regularizer(Regularizer(l2=0.1)) == Regularizer(l2=0.1)


# Bad arguments, as parse_spec words them.
BAD_ARGUMENTS = [
    ({"type": "Dense", "units": 3, "kernel_regularizer": {"l2": -0.0005}},
     "layers[0] (Dense): kernel_regularizer: l2: a penalty cannot be negative, got -0.0005; use a value >= 0"),
    ({"type": "Conv2D", "filters": 2, "kernel_size": 3, "kernel_regularizer": {"L2": 0.0005}},
     "kernel_regularizer: unknown regularizer key 'L2' (did you mean 'l2'?); expected 'l1' and/or 'l2'"),
    ({"type": "Dense", "units": 3, "kernel_regularizer": {"l_2": 0.1}}, "unknown regularizer key 'l_2' (did you mean 'l2'?)"),
    ({"type": "Dense", "units": 3, "kernel_regularizer": {}}, 'kernel_regularizer: expected a regularizer: {"l2": 0.0005}'),
    ({"type": "Dense", "units": 3, "kernel_regularizer": 0.01}, "expected a regularizer"),
    ({"type": "Dense", "units": 3, "kernel_regularizer": {"l2": "0.01"}}, "l2: expected a number >= 0, got '0.01'"),
    ({"type": "Dense", "units": 3, "kernel_regularizer": {"l2": True}}, "l2: expected a number >= 0, got True"),
    ({"type": "Dense", "units": 3, "kernel_regularizer": "l1_l2"}, "unknown regularizer 'l1_l2' (did you mean 'l1l2'?); archplan knows L1, L2 and L1L2"),
    ({"type": "Dense", "units": 3, "kernel_regularizer": {"class_name": "OrthogonalRegularizer"}}, "unknown regularizer 'OrthogonalRegularizer'"),
    ({"type": "Dense", "units": 3, "kernel_regularizer": {"class_name": "L2", "config": {"l1": 0.1}}},
     "unknown regularizer key 'l1' (did you mean 'l2'?); expected 'l2'"),
    ({"type": "Dense", "units": 3, "kernel_regularizer": {"class_name": "L2", "config": {"l2": -1}}}, "l2: a penalty cannot be negative"),
    ({"type": "Dense", "units": 3, "kernel_regularizer": {"class_name": "L2", "module": "keras.regularizers"}}, "Keras' form is"),
    ({"type": "Dense", "units": 3, "kernel_regularizer": {"class_name": "L2", "config": 0.1}}, 'config: expected an object such as {"l2": 0.0005}'),
    ({"type": "RandomFlip", "mode": "horizontl"},
     "layers[0] (RandomFlip): mode: unknown flip mode 'horizontl' (did you mean 'horizontal'?); one of 'horizontal', 'vertical', 'horizontal_and_vertical'"),
    ({"type": "RandomTranslation", "height_factor": 1.5, "width_factor": 0.1},
     "height_factor: expected a fraction of the height in [-1, 1], or a list [low, high] of them, got 1.5"),
    ({"type": "RandomTranslation", "height_factor": 0.1, "width_factor": [0.1, -1.25]}, "width_factor: expected a fraction of the width in [-1, 1], or a list [low, high] of them, got [0.1, -1.25]"),
    ({"type": "RandomTranslation", "height_factor": 0.1}, "width_factor: missing; this argument is required"),
    ({"type": "RandomTranslation", "height_factor": [0.1, 0.2, 0.3], "width_factor": 0.1}, "height_factor"),
    ({"type": "RandomTranslation", "height_factor": 0.1, "width_factor": 0.1, "fill_mode": "mirror"},
     "fill_mode: unknown fill mode 'mirror'; one of 'reflect', 'wrap', 'constant', 'nearest'"),
    ({"type": "RandomRotation", "factor": 0.1, "interpolation": "bilinea"}, "interpolation: unknown interpolation 'bilinea' (did you mean 'bilinear'?)"),
    ({"type": "RandomRotation", "factor": 0.1, "interpolation": "bicubic"}, "unknown interpolation 'bicubic'; one of 'nearest', 'bilinear'"),
    ({"type": "RandomRotation", "factor": -1.01}, "factor: expected a fraction of a full turn in [-1, 1]"),
    ({"type": "RandomRotation", "factor": [0.5, 3]}, "factor: expected a fraction of a full turn in [-1, 1], or a list [low, high] of them, got [0.5, 3.0]"),
    ({"type": "RandomZoom", "height_factor": -1}, "height_factor: expected a fraction in (-1, 1], or a list [low, high] of them, got -1.0"),
    ({"type": "RandomZoom", "height_factor": 0.1, "width_factor": [0.2, 1.5]}, "width_factor: expected a fraction in (-1, 1]"),
    ({"type": "RandomCrop", "height": 0, "width": 4}, "height: input should be greater than 0, got 0"),
    ({"type": "RandomCrop", "height": 4}, "width: missing; this argument is required"),
    ({"type": "SpatialDropout2D", "rate": 1.5}, "rate: input should be less than or equal to 1, got 1.5"),
    ({"type": "LayerNormalization", "epsilon": 0}, "epsilon: input should be greater than 0"),
    ({"type": "Rescaling"}, "scale: missing; this argument is required"),
    ({"type": "Normalization", "mean": [0.5, 0.5, 0.5]},
     "layers[0] (Normalization): mean is given without variance; give both (Keras refuses one alone), or neither to adapt the layer on data"),
    ({"type": "Normalization", "variance": 1}, "variance is given without mean"),
    ({"type": "ReLU", "max_value": -1}, "layers[0] (ReLU): max_value: input should be greater than or equal to 0, got -1"),
    ({"type": "ReLU", "negative_slope": None}, "negative_slope: input should be a valid number, got null"),
    ({"type": "Dropout", "rate": 0.1, "noise_shape": [None, 0]}, "noise_shape.1: input should be greater than 0, got 0"),
    ({"type": "Normalization", "mean": [0.5, 0.5, 0.5], "variance": 1}, "mean and variance must have the same shape (Keras refuses it), got [0.5, 0.5, 0.5] and 1"),
    ({"type": "Normalization", "mean": 0.5, "variance": -0.25}, "a variance cannot be negative, got -0.25"),
    ({"type": "Normalization", "axis": None, "mean": [0.5, 0.5, 0.5], "variance": [1, 1, 1]}, "axis=null (or []) normalises everything by one mean and variance"),
    ({"type": "Normalization", "mean": 0.5, "variance": 1, "adapt": True}, "unknown argument 'adapt'"),
]  # fmt: skip


@pytest.mark.parametrize(("layer", "message"), BAD_ARGUMENTS)
def test_bad_arguments_are_explained(layer: dict[str, Any], message: str) -> None:
    with pytest.raises(SpecError) as caught:
        parse_spec(chain(layer))
    assert message in str(caught.value)


# Layers that cannot take the shape they receive.
BAD_SHAPES = [
    ((32, 32), {"type": "RandomFlip"},
     "layers[0] ('random_flip', RandomFlip) on input (32, 32): RandomFlip augments images of rank 3 (height, width, channels), got (32, 32)"),
    ((10,), {"type": "RandomTranslation", "height_factor": 0.1, "width_factor": 0.1}, "RandomTranslation augments images of rank 3"),
    ((4, 4, 3, 2), {"type": "RandomRotation", "factor": 0.1}, "RandomRotation augments images of rank 3"),
    ((10,), {"type": "RandomZoom", "height_factor": 0.1}, "RandomZoom augments images of rank 3"),
    ((8, 3), {"type": "RandomCrop", "height": 2, "width": 2}, "RandomCrop augments images of rank 3"),
    ((10,), {"type": "SpatialDropout2D", "rate": 0.1}, "SpatialDropout2D expects an input of rank 3 (height, width, channels), got (10,); use Dropout on other ranks"),
    ((6, 5, 3), {"type": "LayerNormalization", "axis": 0}, "axis=0 is not a feature axis of an input of shape (6, 5, 3) (Keras counts the batch axis as 0): axes run from 1 to 3, or -3 to -1"),
    ((6, 5, 3), {"type": "LayerNormalization", "axis": [1, 4]}, "axis=4 is not a feature axis"),
    ((6, 5, 3), {"type": "LayerNormalization", "axis": -4}, "axis=-4 is not a feature axis"),
    ((6, 5, 3), {"type": "LayerNormalization", "axis": [-1, 3]}, "axis=[-1, 3] names the same axis twice"),
    ((6, 5, 3), {"type": "LayerNormalization", "axis": []}, "axis=[] normalises over no axis"),
    ((6, 5, 3), {"type": "Rescaling", "scale": [1, 2]}, "scale has 2 values and the channel axis has 3; give one number, or 3 (one each)"),
    ((6, 5, 3), {"type": "Rescaling", "scale": 1, "offset": [1, 2, 3, 4]}, "offset has 4 values and the channel axis has 3"),
    ((6, 5, 3), {"type": "Normalization", "mean": [0.5, 0.5], "variance": [1, 1]}, "mean has 2 values and axis 3 has 3; give one number, or 3 (one each)"),
    ((6, 5, 3), {"type": "Normalization", "axis": [1, 2], "mean": [0, 0, 0], "variance": [1, 1, 1]}, "mean has 3 values and axis 2 has 5"),
    ((6, 5, 3), {"type": "Normalization", "axis": 0, "mean": 0, "variance": 1}, "axis=0 is not a feature axis"),
    ((6, 5, 3), {"type": "Normalization", "axis": 0}, "axis=0 is not a feature axis"),
    ((6, 5, 3), {"type": "Dropout", "rate": 0.5, "noise_shape": [None, 1, 1]},
     "noise_shape (None, 1, 1) does not fit an input of shape (6, 5, 3) (Keras builds it, then fails on the first call in training): give 4 sizes, the batch axis first, each None, 1 or the input's size"),
    ((6, 5, 3), {"type": "Dropout", "rate": 0.5, "noise_shape": [4, 1, 1, 1]}, "noise_shape (4, 1, 1, 1) does not fit"),
    ((6, 5, 3), {"type": "Dropout", "rate": 0.5, "noise_shape": [None, 6, 2, 1]}, "noise_shape (None, 6, 2, 1) does not fit"),
]  # fmt: skip


@pytest.mark.parametrize(("shape", "layer", "message"), BAD_SHAPES)
def test_bad_shapes_are_explained(
    shape: tuple[int, ...], layer: dict[str, Any], message: str
) -> None:
    assert message in refusal(shape, layer)


def test_augmentations_after_the_first_layer_still_need_an_image() -> None:
    message = refusal((8, 8, 3), {"type": "Flatten"}, {"type": "RandomFlip"})
    assert "layers[1] ('random_flip', RandomFlip) on input (192,)" in message


# The fast CIFAR-10 spec: what its planning numbers promise.
def test_the_fast_spec_traces_and_sees_the_whole_image() -> None:
    network: Network = load_spec(SPECS / "cifar10-fast.json")
    trace = trace_network(network)
    assert trace.output_shape == (10,)
    convs = [row for row in trace.layers if row.type == "Conv2D"]
    field = convs[-1].field
    assert field is not None
    assert min(field.size) >= 32, "the last convolution must see the whole 32×32 image"
    assert network.training is not None
    assert trace.layers[0].type.startswith("Random")
