"""MACs, other ops and memory: hand counts for both tutorial specs, a rule for every layer type,
and sums that hold for any valid chain of layers (hypothesis)."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from archplan import SpecError, load_spec, parse_spec, trace_network
from archplan.engine.memory import estimate_memory, optimizer_slots
from archplan.engine.trace import LayerTrace, Trace
from archplan.layers import LAYER_CLASSES, layer_types
from archplan.rules.costs import pointwise_ops, reduction_ops
from archplan.schema import defaults
from archplan.schema.optimizers import SGD, Adam, RMSprop, default_optimizer
from archplan.schema.training import Training
from tests.conftest import SPECS, chain

# Each count below is k_h·k_w·C_in·C_out·H_out·W_out for a convolution, in·out for Dense.
TUTORIAL_MACS = [
    3 * 3 * 3 * 64 * 32 * 32,  # conv2d: 1,769,472
    3 * 3 * 64 * 64 * 32 * 32,  # conv2d_1: 37,748,736
    0,  # max_pooling2d
    3 * 3 * 64 * 32 * 16 * 16,  # conv2d_2: 4,718,592
    3 * 3 * 32 * 32 * 16 * 16,  # conv2d_3: 2,359,296
    0,  # max_pooling2d_1
    3 * 3 * 32 * 16 * 8 * 8,  # conv2d_4: 294,912
    3 * 3 * 16 * 16 * 8 * 8,  # conv2d_5: 147,456
    0,  # flatten
    1024 * 512,  # dense: 524,288
    512 * 64,  # dense_1: 32,768
    64 * 10,  # dense_2: 640
]
DIMENSIONING_MACS = [
    5 * 5 * 3 * 16 * 28 * 28,  # conv2d: 940,800
    0,
    3 * 3 * 16 * 8 * 14 * 14,  # conv2d_1: 225,792
    0,
    3 * 3 * 8 * 4 * 5 * 5,  # conv2d_2: 7,200
    0,
    100 * 50,  # dense: 5,000
    50 * 10,  # dense_1: 500
]
# Bias add + ReLU/softmax: 2 per output value; 2×2 max pooling: 3 comparisons per output value.
TUTORIAL_OTHER_OPS = [
    2 * 32 * 32 * 64, 2 * 32 * 32 * 64, 3 * 16 * 16 * 64,
    2 * 16 * 16 * 32, 2 * 16 * 16 * 32, 3 * 8 * 8 * 32,
    2 * 8 * 8 * 16, 2 * 8 * 8 * 16, 0,
    2 * 512, 2 * 64, 2 * 10,
]  # fmt: skip


def traced(name: str) -> Trace:
    return trace_network(load_spec(SPECS / f"{name}.json"))


def test_tutorial_macs_per_layer_and_total() -> None:
    trace = traced("tutorial-convnet")
    assert [layer.macs for layer in trace.layers] == TUTORIAL_MACS
    assert trace.total_macs == 47_596_160
    assert trace.total_flops == 2 * 47_596_160
    assert [layer.flops for layer in trace.layers] == [2 * m for m in TUTORIAL_MACS]


def test_dimensioning_macs_per_layer_and_total() -> None:
    trace = traced("tutorial-dimensioning")
    assert [layer.macs for layer in trace.layers] == DIMENSIONING_MACS
    assert trace.total_macs == 1_179_292


def test_tutorial_other_ops_are_counted_apart_from_macs() -> None:
    trace = traced("tutorial-convnet")
    assert [layer.other_ops for layer in trace.layers] == TUTORIAL_OTHER_OPS
    assert trace.total_other_ops == sum(TUTORIAL_OTHER_OPS) == 355_476


# One valid sample per registered layer type. A new layer type must add a row here, and so
# define its cost: an unknown cost is an error, never a silent zero.
SAMPLES: dict[str, tuple[tuple[int, ...], dict[str, Any], int, int]] = {
    # keras class: input shape, layer, MACs, other ops
    "Conv2D": ((8, 8, 4), {"type": "Conv2D", "filters": 6, "kernel_size": 3, "groups": 2, "activation": "relu"},
               3 * 3 * 2 * 6 * 6 * 6, 2 * 6 * 6 * 6),
    "Conv2D dilated": ((10, 11, 8), {"type": "Conv2D", "filters": 6, "kernel_size": 3, "dilation_rate": 2, "padding": "same"},
                       3 * 3 * 8 * 6 * 10 * 11, 10 * 11 * 6),
    "Conv2D strided": ((24, 23, 3), {"type": "Conv2D", "filters": 8, "kernel_size": [3, 2], "strides": 2, "use_bias": False},
                       3 * 2 * 3 * 8 * 11 * 11, 0),
    "Dense": ((4, 4, 8), {"type": "Dense", "units": 3, "use_bias": False}, 8 * 3 * 16, 0),
    "Flatten": ((4, 4, 8), {"type": "Flatten"}, 0, 0),
    "Dropout": ((4, 4, 8), {"type": "Dropout", "rate": 0.5}, 0, 0),
    "Activation": ((4, 4, 8), {"type": "Activation", "activation": "tanh"}, 0, 4 * 4 * 8),
    "BatchNormalization": ((4, 4, 8), {"type": "BatchNormalization"}, 0, 2 * 4 * 4 * 8),
    "MaxPooling2D": ((6, 6, 2), {"type": "MaxPooling2D", "pool_size": 3}, 0, 8 * 2 * 2 * 2),
    "AveragePooling2D": ((6, 6, 2), {"type": "AveragePooling2D", "pool_size": 3}, 0, 9 * 2 * 2 * 2),
    "GlobalAveragePooling2D": ((5, 5, 3), {"type": "GlobalAveragePooling2D"}, 0, 25 * 3),
    "GlobalMaxPooling2D": ((5, 5, 3), {"type": "GlobalMaxPooling2D"}, 0, 24 * 3),
    "ZeroPadding2D": ((4, 4, 1), {"type": "ZeroPadding2D"}, 0, 0),
    # Depthwise: k_h·k_w·C·m per output position; separable adds the 1×1 pointwise C·m·filters.
    "DepthwiseConv2D": ((8, 8, 4), {"type": "DepthwiseConv2D", "kernel_size": 3, "depth_multiplier": 2, "activation": "relu"},
                        3 * 3 * 8 * 6 * 6, 2 * 6 * 6 * 8),
    "SeparableConv2D": ((8, 8, 4), {"type": "SeparableConv2D", "filters": 5, "kernel_size": 3, "use_bias": False},
                        (3 * 3 * 4 + 4 * 5) * 6 * 6, 0),
    # Transposed: every input value meets every tap of every filter: H_in·W_in·C_in·k_h·k_w·filters.
    "Conv2DTranspose": ((5, 4, 3), {"type": "Conv2DTranspose", "filters": 2, "kernel_size": 3, "strides": 2},
                        5 * 4 * 3 * 3 * 3 * 2, 11 * 9 * 2),
    "UpSampling2D": ((4, 4, 2), {"type": "UpSampling2D"}, 0, 0),
    "UpSampling2D bilinear": ((4, 4, 2), {"type": "UpSampling2D", "interpolation": "bilinear"}, 0, 8 * 8 * 2 * (2 * 4 - 1)),
    "Cropping2D": ((4, 4, 1), {"type": "Cropping2D", "cropping": 1}, 0, 0),
    "Reshape": ((4, 4, 2), {"type": "Reshape", "target_shape": [-1]}, 0, 0),
    "Identity": ((4, 4, 2), {"type": "Identity"}, 0, 0),
    # Merges applied to one input here (the graph tests join several): n − 1 operations per
    # output value, Average n (the division), Concatenate none (it only moves values).
    "Add": ((4, 4, 2), {"type": "Add", "inputs": ["a"]}, 0, 0),
    "Subtract": ((4, 4, 2), {"type": "Subtract", "inputs": ["a", "b"]}, 0, 0),
    "Multiply": ((4, 4, 2), {"type": "Multiply", "inputs": ["a"]}, 0, 0),
    "Average": ((4, 4, 2), {"type": "Average", "inputs": ["a"]}, 0, 4 * 4 * 2),
    "Maximum": ((4, 4, 2), {"type": "Maximum", "inputs": ["a"]}, 0, 0),
    "Minimum": ((4, 4, 2), {"type": "Minimum", "inputs": ["a"]}, 0, 0),
    "Concatenate": ((4, 4, 2), {"type": "Concatenate", "inputs": ["a"]}, 0, 0),
    # Augmentations and dropouts: the identity at inference, so nothing is counted.
    "RandomFlip": ((4, 4, 2), {"type": "RandomFlip", "mode": "horizontal"}, 0, 0),
    "RandomTranslation": ((4, 4, 2), {"type": "RandomTranslation", "height_factor": 0.1, "width_factor": 0.1}, 0, 0),
    "RandomRotation": ((4, 4, 2), {"type": "RandomRotation", "factor": 0.1}, 0, 0),
    "RandomZoom": ((4, 4, 2), {"type": "RandomZoom", "height_factor": 0.1}, 0, 0),
    "RandomCrop": ((6, 6, 2), {"type": "RandomCrop", "height": 4, "width": 4}, 0, 0),
    "SpatialDropout2D": ((4, 4, 2), {"type": "SpatialDropout2D", "rate": 0.1}, 0, 0),
    # LayerNormalization: 5 per value for the statistics and normalising, + scale + shift.
    "LayerNormalization": ((4, 4, 2), {"type": "LayerNormalization"}, 0, 7 * 4 * 4 * 2),
    "LayerNormalization no center": ((4, 4, 2), {"type": "LayerNormalization", "center": False}, 0, 6 * 4 * 4 * 2),
    # Rescaling and Normalization: 2 per value (x·scale + offset; (x − mean) / √variance).
    "Rescaling": ((4, 4, 2), {"type": "Rescaling", "scale": 0.5}, 0, 2 * 4 * 4 * 2),
    "Normalization": ((4, 4, 2), {"type": "Normalization", "mean": [0.5, 0.4], "variance": [0.1, 0.2]}, 0, 2 * 4 * 4 * 2),
    "Normalization to adapt": ((4, 4, 2), {"type": "Normalization"}, 0, 2 * 4 * 4 * 2),
    # 1-D and 3-D: the same rules along 1 or 3 axes (k·C·filters per output position, ...).
    "Conv1D": ((10, 2), {"type": "Conv1D", "filters": 3, "kernel_size": 3}, 3 * 2 * 3 * 8, 8 * 3),
    "Conv3D": ((4, 4, 4, 1), {"type": "Conv3D", "filters": 2, "kernel_size": 3, "use_bias": False}, 27 * 2 * 8, 0),
    "DepthwiseConv1D": ((10, 2), {"type": "DepthwiseConv1D", "kernel_size": 3}, 3 * 2 * 8, 8 * 2),
    "SeparableConv1D": ((10, 2), {"type": "SeparableConv1D", "filters": 3, "kernel_size": 3, "use_bias": False}, (3 * 2 + 2 * 3) * 8, 0),
    "Conv1DTranspose": ((5, 2), {"type": "Conv1DTranspose", "filters": 3, "kernel_size": 2}, 5 * 2 * 2 * 3, 6 * 3),
    "Conv3DTranspose": ((2, 2, 2, 1), {"type": "Conv3DTranspose", "filters": 1, "kernel_size": 2, "use_bias": False, "activation": "relu"}, 8 * 8, 27),
    "MaxPooling1D": ((6, 2), {"type": "MaxPooling1D", "pool_size": 3}, 0, 2 * 2 * 2),
    "AveragePooling1D": ((6, 2), {"type": "AveragePooling1D", "pool_size": 3}, 0, 3 * 2 * 2),
    "MaxPooling3D": ((4, 4, 4, 1), {"type": "MaxPooling3D"}, 0, 7 * 8),
    "AveragePooling3D": ((4, 4, 4, 1), {"type": "AveragePooling3D", "pool_size": 2}, 0, 8 * 8),
    "GlobalAveragePooling1D": ((5, 3), {"type": "GlobalAveragePooling1D"}, 0, 5 * 3),
    "GlobalMaxPooling1D": ((5, 3), {"type": "GlobalMaxPooling1D"}, 0, 4 * 3),
    "GlobalAveragePooling3D": ((2, 2, 2, 3), {"type": "GlobalAveragePooling3D"}, 0, 8 * 3),
    "GlobalMaxPooling3D": ((2, 2, 2, 3), {"type": "GlobalMaxPooling3D"}, 0, 7 * 3),
    "ZeroPadding1D": ((4, 1), {"type": "ZeroPadding1D"}, 0, 0),
    "ZeroPadding3D": ((2, 2, 2, 1), {"type": "ZeroPadding3D"}, 0, 0),
    "Cropping1D": ((4, 1), {"type": "Cropping1D"}, 0, 0),
    "Cropping3D": ((4, 4, 4, 1), {"type": "Cropping3D"}, 0, 0),
    "UpSampling1D": ((4, 1), {"type": "UpSampling1D"}, 0, 0),
    "UpSampling3D": ((2, 2, 2, 1), {"type": "UpSampling3D"}, 0, 0),
    "SpatialDropout1D": ((4, 2), {"type": "SpatialDropout1D", "rate": 0.1}, 0, 0),
    "SpatialDropout3D": ((2, 2, 2, 2), {"type": "SpatialDropout3D", "rate": 0.1}, 0, 0),
    "Permute": ((4, 3), {"type": "Permute", "dims": [1, 2]}, 0, 0),
    "RepeatVector": ((3,), {"type": "RepeatVector", "n": 2}, 0, 0),
    # Embedding: a lookup. GroupNormalization: as LayerNormalization, 7 per value.
    "GroupNormalization": ((4, 4, 2), {"type": "GroupNormalization", "groups": 2}, 0, 7 * 4 * 4 * 2),
    # Self-attention on (T=4, C=2), 1 head, d_k = 2, no bias: projections 3·4·2·2 = 48, scores
    # 4·4·2 = 32, weighted sum 32, output 4·2·2 = 16; other ops: a softmax per score (16) and the
    # 1/√d_k scaling (4·2 = 8).
    "MultiHeadAttention": ((4, 2), {"type": "MultiHeadAttention", "num_heads": 1, "key_dim": 2, "use_bias": False},
                           48 + 32 + 32 + 16, 16 + 8),
    # ReLU, whatever its arguments: one operation per value, as Activation("relu").
    "ReLU": ((4, 4, 2), {"type": "ReLU", "max_value": 6.0}, 0, 4 * 4 * 2),
}  # fmt: skip


def test_every_registered_layer_type_has_a_sample() -> None:
    registered = {cls.keras_class for cls in LAYER_CLASSES}
    missing = registered - {name.split()[0] for name in SAMPLES} - {"Embedding"}  # no field rule
    assert not missing, f"add a cost sample (and a cost rule) for {sorted(missing)}"


@pytest.mark.parametrize("keras_class", sorted(SAMPLES))
def test_every_layer_type_defines_its_cost_and_reach(keras_class: str) -> None:
    shape, layer, macs, other_ops = SAMPLES[keras_class]
    inferred = layer_types()[layer["type"]].model_validate(layer).infer(shape)
    assert inferred.macs is not None, f"{keras_class} has no MACs rule"
    assert inferred.reach is not None, f"{keras_class} has no receptive-field rule"
    assert (inferred.macs, inferred.other_ops) == (macs, other_ops)


def test_an_unknown_cost_is_never_a_zero() -> None:
    known = traced("tutorial-dimensioning")
    unknown = LayerTrace(**{**vars(known.layers[0]), "macs": None})
    trace = Trace(known.name, known.input_shape, (unknown, *known.layers[1:]))
    assert (unknown.flops, trace.total_macs, trace.total_flops) == (None, None, None)


def test_cost_rules() -> None:
    assert pointwise_ops(10) == 0
    assert pointwise_ops(10, bias=True) == 10
    assert pointwise_ops(10, activation="linear") == 0
    assert pointwise_ops(10, bias=True, activation="relu") == 20
    assert reduction_ops(4, 9, "max") == 32
    assert reduction_ops(4, 9, "mean") == 36


def test_tutorial_memory_by_hand() -> None:
    memory = estimate_memory(traced("tutorial-convnet"))
    activations = (
        2 * 32 * 32 * 64
        + 16 * 16 * 64
        + 2 * 16 * 16 * 32
        + 8 * 8 * 32
        + 2 * 8 * 8 * 16
        + 1024
        + 512
        + 64
        + 10
    )
    assert activations == 169_546
    assert (memory.batch_size, memory.optimizer, memory.optimizer_slots) == (
        32,
        "SGD",
        1,
    )  # momentum 0.5
    assert memory.input_bytes_per_sample == 32 * 32 * 3 * 4
    assert memory.activation_bytes_per_sample == activations * 4 == 678_184
    assert memory.activation_bytes_per_batch == activations * 4 * 32 == 21_701_888
    assert (
        memory.params_bytes == 631_658 * 4 == 2_526_632
    )  # Keras: "Total params: 631,658 (2.41 MB)"
    assert memory.gradients_bytes == memory.optimizer_bytes == 2_526_632
    assert memory.training_bytes == 3 * 2_526_632 + 32 * 3072 * 4 + 21_701_888 == 29_675_000


def test_dimensioning_memory_defaults_to_rmsprop_and_batch_32() -> None:
    memory = estimate_memory(traced("tutorial-dimensioning"), bytes_per_value=2, batch_size=10)
    activations = 28 * 28 * 16 + 14 * 14 * 16 + 14 * 14 * 8 + 7 * 7 * 8 + 5 * 5 * 4 + 100 + 50 + 10
    assert activations == 17_900
    assert (memory.batch_size, memory.optimizer, memory.optimizer_slots) == (10, "RMSprop", 1)
    assert memory.activation_bytes_per_batch == activations * 2 * 10
    assert memory.training_bytes == 3 * 8228 * 2 + 10 * 3072 * 2 + activations * 2 * 10
    assert estimate_memory(traced("tutorial-dimensioning")).batch_size == defaults.BATCH_SIZE == 32


@pytest.mark.parametrize(
    ("optimizer", "slots"),
    [
        (SGD(type="SGD"), 0),
        (SGD(type="SGD", momentum=0.9), 1),
        (Adam(type="Adam"), 2),
        (Adam(type="Adam", amsgrad=True), 3),
        (RMSprop(type="RMSprop"), 1),
        (RMSprop(type="RMSprop", momentum=0.9, centered=True), 3),
    ],
)
def test_optimizer_slots_follow_keras(optimizer: SGD | Adam | RMSprop, slots: int) -> None:
    assert optimizer_slots(optimizer) == slots


def test_non_trainable_weights_get_no_gradient_or_slot() -> None:
    spec = chain({"type": "BatchNormalization"}, shape=(4, 4, 8))
    spec["training"] = {"optimizer": "adam", "batch_size": 2}
    memory = estimate_memory(trace_network(parse_spec(spec)))
    assert (memory.params_bytes, memory.gradients_bytes, memory.optimizer_bytes) == (
        32 * 4,
        16 * 4,
        2 * 16 * 4,
    )


# Hypothesis: any valid chain of layers.
small = st.integers(1, 4)
paddings = st.sampled_from(["valid", "same"])
activations = st.sampled_from([None, "linear", "relu", "softmax"])
spatial_layers = st.one_of(
    st.fixed_dictionaries({
        "type": st.just("Conv2D"), "filters": st.sampled_from([2, 4, 6]), "kernel_size": small,
        "strides": st.integers(1, 2), "padding": paddings, "groups": st.sampled_from([1, 2]),
        "activation": activations, "use_bias": st.booleans(),
    }),
    st.fixed_dictionaries({
        "type": st.just("Conv2D"), "filters": st.integers(1, 5), "kernel_size": st.lists(small, min_size=2, max_size=2),
        "dilation_rate": st.integers(1, 3), "padding": paddings,
    }),
    st.fixed_dictionaries({
        "type": st.sampled_from(["MaxPooling2D", "AveragePooling2D"]), "pool_size": small,
        "strides": st.one_of(st.none(), st.integers(1, 3)), "padding": paddings,
    }),
    st.fixed_dictionaries({"type": st.just("ZeroPadding2D"), "padding": st.integers(0, 2)}),
    st.fixed_dictionaries({"type": st.just("BatchNormalization")}),
    st.fixed_dictionaries({"type": st.just("Activation"), "activation": activations}),
    st.fixed_dictionaries({"type": st.just("Dropout"), "rate": st.just(0.25)}),
    st.fixed_dictionaries({"type": st.just("Dense"), "units": small, "activation": activations}),
)  # fmt: skip
heads = st.sampled_from([[], [{"type": "Flatten"}], [{"type": "GlobalAveragePooling2D"}],
                         [{"type": "GlobalMaxPooling2D", "keepdims": True}]])  # fmt: skip
tails = st.lists(st.fixed_dictionaries({"type": st.just("Dense"), "units": small}), max_size=2)


@st.composite
def valid_traces(draw: st.DrawFn) -> Trace:
    layers = [*draw(st.lists(spatial_layers, min_size=1, max_size=5)), *draw(heads), *draw(tails)]
    shape = (draw(st.integers(4, 24)), draw(st.integers(4, 24)), draw(st.sampled_from([2, 4])))
    try:
        return trace_network(parse_spec(chain(*layers, shape=shape)))
    except SpecError:
        assume(False)
        raise


def weight_products(layer: LayerTrace) -> int | None:
    """MACs from a different road: the kernel's weights (no bias) times the positions it visits."""
    if layer.type not in ("Conv2D", "Dense"):
        return None
    bias = 0 if "no bias" in layer.arguments else layer.output_shape[-1]
    return (layer.params - bias) * math.prod(layer.output_shape[:-1])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(trace=valid_traces(), batch=st.integers(1, 64), size=st.sampled_from([2, 4, 8]))
def test_rows_sum_to_totals(trace: Trace, batch: int, size: int) -> None:
    assert trace.total_macs == sum(layer.macs or 0 for layer in trace.layers)
    assert trace.total_flops == 2 * (trace.total_macs or 0)
    assert trace.total_other_ops == sum(layer.other_ops for layer in trace.layers)
    memory = estimate_memory(trace, bytes_per_value=size, batch_size=batch)
    per_layer = sum(math.prod(layer.output_shape) * size for layer in trace.layers)
    assert memory.activation_bytes_per_sample == per_layer
    assert memory.activation_bytes_per_batch == per_layer * batch
    for layer in trace.layers:
        assert layer.macs is not None
        assert layer.macs >= 0
        assert layer.other_ops >= 0
        expected = weight_products(layer)
        assert layer.macs == (0 if expected is None else expected), layer


def test_the_plain_defaults_are_the_training_blocks_own() -> None:
    """A spec without a training block is estimated from plain values: they must be the models'."""
    assert Training().batch_size == defaults.BATCH_SIZE
    assert Training().optimizer == default_optimizer()
    assert default_optimizer().type == defaults.OPTIMIZER
    assert optimizer_slots(default_optimizer()) == defaults.OPTIMIZER_SLOTS
