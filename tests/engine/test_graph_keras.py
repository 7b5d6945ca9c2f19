"""Keras as the reference for the layers branched networks use, and for graphs themselves.

Each case is a spec; Keras builds it with its functional API straight from the raw JSON (the
layer's class, its arguments, its ``inputs`` wired to the named tensors: nothing of archplan's in
between) and runs the model once on zeros; the engine parses and traces it. Both must accept it or
both refuse it ("Keras refuses" means it raised while building or on that first call). When both
accept, every layer's output shape and its trainable and non-trainable weights must be equal, and
the model built from the parsed specs (``keras_arguments()``) must be the same.

Deliberate differences, each checked below as a difference so that a change is noticed:

- Concatenate on the batch axis (``axis=0``): Keras builds it, the engine refuses it (it stacks
  samples rather than features: the model then gives more outputs than samples).
- TensorFlow's CPU kernels have no dilated transposed convolution: the first call fails on a CPU,
  not on a GPU, so that failure is not counted as a refusal.
"""

from __future__ import annotations

import math
import os
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archplan import SpecError, Trace, load_spec, parse_spec, trace_network
from archplan.layers import LAYER_CLASSES
from archplan.schema import Network
from tests.conftest import SPECS, chain

pytestmark = pytest.mark.keras

CPU_DILATION = "CPU implementations do not yet support dilation"
"""TensorFlow's message for a dilated transposed convolution on a CPU (a GPU runs it)."""


def keras_verdict(keras: ModuleType, spec: dict[str, Any]) -> Any:
    """Keras' model of the raw spec (every layer named as the engine names it), or its refusal."""
    import numpy as np

    keras.backend.clear_session()
    names = engine_names(spec)
    try:
        tensors = {"input": keras.Input(shape=tuple(spec["input"]["shape"]))}
        previous = "input"
        for index, raw in enumerate(spec["layers"]):
            arguments = {k: v for k, v in raw.items() if k not in ("type", "name", "inputs")}
            name = names[index] if names else raw.get("name")
            layer = getattr(keras.layers, raw["type"])(name=name, **arguments)
            taken = [tensors[n] for n in raw.get("inputs", [previous])]
            previous = name or layer.name
            tensors[previous] = call(layer, raw["type"], taken)
        model = keras.Model(tensors["input"], tensors[previous])
    except Exception as error:  # whatever Keras raises is its refusal
        return error
    try:
        output = model(np.zeros((1, *spec["input"]["shape"]), "float32"))
    except Exception as error:
        return model if CPU_DILATION in str(error) else error
    if 0 in tuple(output.shape):  # some TensorFlow builds (oneDNN) compute an empty output
        return ValueError(f"Keras computes an empty output {tuple(output.shape)}")
    return model


def engine_names(spec: dict[str, Any]) -> list[str] | None:
    """The engine's names for the layers (Keras' automatic ones included), if the spec parses."""
    try:
        return parse_spec(spec).layer_names()
    except SpecError:
        return None


def built_from_specs(keras: ModuleType, network: Network) -> Any:
    """The model built the way the brief's builder will: from each node's ``keras_arguments()``."""
    keras.backend.clear_session()
    tensors = {"input": keras.Input(shape=network.input_shape)}
    for node in network.nodes():
        layer = getattr(keras.layers, node.layer.keras_class)(
            name=node.name, **node.layer.keras_arguments()
        )
        taken = [tensors[name] for name in node.inputs]
        tensors[node.name] = call(layer, node.layer.keras_class, taken)
    return keras.Model(tensors["input"], tensors[network.nodes()[-1].name])


MERGES = {"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate"}


def call(layer: Any, kind: str, taken: list[Any]) -> Any:
    """A merge on the list; MultiHeadAttention on (query, value[, key]), one input twice for
    self-attention; any other layer on its one input."""
    if kind in MERGES:
        return layer(taken)
    if kind == "MultiHeadAttention":
        return layer(*(taken if len(taken) > 1 else taken * 2))
    return layer(taken[0])


def engine_verdict(spec: dict[str, Any]) -> Trace | SpecError:
    try:
        return trace_network(parse_spec(spec))
    except SpecError as error:
        return error


def weights(weights: list[Any]) -> int:
    return sum(math.prod(tuple(weight.shape)) for weight in weights)


def assert_same(trace: Trace, model: Any) -> None:
    """Every layer the output depends on: output shape and weights as Keras has them."""
    counted = trace.counted
    assert len(model.layers) == len(counted) + 1  # the InputLayer
    for row in counted:
        layer = model.get_layer(row.name)
        assert tuple(layer.output.shape)[1:] == row.output_shape, row.name
        assert weights(layer.trainable_weights) == row.trainable_params, row.name
        assert weights(layer.non_trainable_weights) == row.non_trainable_params, row.name
    assert model.count_params() == trace.total_params


def check_against_keras(keras: ModuleType, spec: dict[str, Any]) -> Trace | None:
    """Both accept (and agree) or both refuse; the trace when they accept."""
    model = keras_verdict(keras, spec)
    engine = engine_verdict(spec)
    keras_refused, engine_refused = isinstance(model, Exception), isinstance(engine, SpecError)
    assert engine_refused == keras_refused, (
        f"engine: {engine if engine_refused else 'accepts'}\n"
        f"Keras: {model if keras_refused else 'accepts'}"
    )
    if isinstance(engine, SpecError):
        return None
    assert_same(engine, model)
    assert_same(engine, built_from_specs(keras, parse_spec(spec)))
    return engine


def one(shape: tuple[int, ...], layer: dict[str, Any]) -> dict[str, Any]:
    return chain(layer, shape=shape)


IMAGE = (9, 8, 3)
CASES: dict[str, dict[str, Any]] = {
    # Conv2D with groups
    "conv groups": one((8, 8, 6), {"type": "Conv2D", "filters": 4, "kernel_size": 3, "groups": 2}),
    "conv groups = channels": one((8, 8, 6), {"type": "Conv2D", "filters": 6, "kernel_size": 1, "groups": 6}),
    "conv groups, channels not divisible": one((8, 8, 6), {"type": "Conv2D", "filters": 4, "kernel_size": 1, "groups": 4}),
    "conv groups, filters not divisible": one((8, 8, 4), {"type": "Conv2D", "filters": 6, "kernel_size": 1, "groups": 4}),
    # DepthwiseConv2D
    "depthwise": one(IMAGE, {"type": "DepthwiseConv2D", "kernel_size": 3}),
    "depthwise same stride odd": one(IMAGE, {"type": "DepthwiseConv2D", "kernel_size": [3, 2], "strides": 2, "padding": "same"}),
    "depthwise multiplier": one(IMAGE, {"type": "DepthwiseConv2D", "kernel_size": 2, "depth_multiplier": 3, "use_bias": False}),
    "depthwise dilation": one(IMAGE, {"type": "DepthwiseConv2D", "kernel_size": 3, "dilation_rate": [2, 1]}),
    "depthwise stride and dilation": one((11, 11, 3), {"type": "DepthwiseConv2D", "kernel_size": 3, "strides": 2, "dilation_rate": 2}),
    "depthwise stride and dilation same": one((11, 10, 3), {"type": "DepthwiseConv2D", "kernel_size": 3, "strides": [2, 3], "dilation_rate": 2, "padding": "same"}),
    "depthwise kernel too big": one((2, 5, 3), {"type": "DepthwiseConv2D", "kernel_size": 3}),
    "depthwise on rank 2": one((8, 3), {"type": "DepthwiseConv2D", "kernel_size": 1}),
    "depthwise zero multiplier": one(IMAGE, {"type": "DepthwiseConv2D", "kernel_size": 1, "depth_multiplier": 0}),
    # SeparableConv2D
    "separable": one(IMAGE, {"type": "SeparableConv2D", "filters": 5, "kernel_size": 3}),
    "separable alias same stride": one(IMAGE, {"type": "SeparableConvolution2D", "filters": 4, "kernel_size": 3, "strides": 2, "padding": "same", "activation": "relu"}),
    "separable multiplier no bias": one(IMAGE, {"type": "SeparableConv2D", "filters": 4, "kernel_size": [1, 3], "depth_multiplier": 2, "use_bias": False}),
    "separable stride and dilation": one((11, 11, 3), {"type": "SeparableConv2D", "filters": 4, "kernel_size": 3, "strides": 2, "dilation_rate": 2, "depth_multiplier": 2}),
    "separable kernel too big": one((3, 3, 2), {"type": "SeparableConv2D", "filters": 4, "kernel_size": 4}),
    # Conv2DTranspose
    **{
        f"transpose k{k} s{s} {padding} output_padding {extra}": one(
            (5, 6, 3),
            {"type": "Conv2DTranspose", "filters": 2, "kernel_size": k, "strides": s, "padding": padding,
             **({} if extra is None else {"output_padding": extra})},
        )
        for k in (1, 2, 3)
        for s in (1, 2, 3)
        for padding in ("valid", "same")
        for extra in (None, 0, 1, 2)
    },
    "transpose non-square": one((5, 6, 3), {"type": "Conv2DTranspose", "filters": 2, "kernel_size": [3, 2], "strides": [2, 1], "output_padding": [1, 0]}),
    "transpose alias, no bias": one((4, 4, 2), {"type": "Convolution2DTranspose", "filters": 3, "kernel_size": 2, "use_bias": False}),
    "transpose dilated valid": one((5, 5, 3), {"type": "Conv2DTranspose", "filters": 2, "kernel_size": 3, "dilation_rate": 2}),
    "transpose dilated same": one((5, 5, 3), {"type": "Conv2DTranspose", "filters": 2, "kernel_size": 3, "dilation_rate": [2, 1], "padding": "same"}),
    "transpose stride and dilation": one((5, 5, 3), {"type": "Conv2DTranspose", "filters": 2, "kernel_size": 3, "strides": 2, "dilation_rate": 2}),
    "transpose on 1×1": one((1, 1, 3), {"type": "Conv2DTranspose", "filters": 2, "kernel_size": 2, "padding": "same", "output_padding": 0}),
    "transpose on rank 2": one((5, 3), {"type": "Conv2DTranspose", "filters": 2, "kernel_size": 1}),
    # UpSampling2D, Cropping2D, Reshape, Identity
    "upsampling": one(IMAGE, {"type": "UpSampling2D"}),
    "upsampling pair bilinear": one(IMAGE, {"type": "UpSampling2D", "size": [3, 1], "interpolation": "bilinear"}),
    "upsampling bicubic": one(IMAGE, {"type": "UpSampling2D", "size": 2, "interpolation": "bicubic"}),
    "upsampling on rank 2": one((4, 3), {"type": "UpSampling2D"}),
    "cropping int": one(IMAGE, {"type": "Cropping2D", "cropping": 2}),
    "cropping pair": one(IMAGE, {"type": "Cropping2D", "cropping": [1, 3]}),
    "cropping pairs": one(IMAGE, {"type": "Cropping2D", "cropping": [[0, 2], [3, 1]]}),
    "cropping mixed": one(IMAGE, {"type": "Cropping2D", "cropping": [[0, 2], 1]}),
    "cropping all of the height": one(IMAGE, {"type": "Cropping2D", "cropping": [[4, 5], 0]}),
    "cropping more than the width": one(IMAGE, {"type": "Cropping2D", "cropping": [0, 4]}),
    "cropping on rank 2": one((4, 3), {"type": "Cropping2D", "cropping": 1}),
    "reshape": one(IMAGE, {"type": "Reshape", "target_shape": [12, 18]}),
    "reshape -1 first": one(IMAGE, {"type": "Reshape", "target_shape": [-1, 4, 3]}),
    "reshape -1 last": one(IMAGE, {"type": "Reshape", "target_shape": [6, -1]}),
    "reshape to rank 1": one(IMAGE, {"type": "Reshape", "target_shape": [-1]}),
    "reshape wrong size": one(IMAGE, {"type": "Reshape", "target_shape": [5, 5]}),
    "reshape -1 not dividing": one(IMAGE, {"type": "Reshape", "target_shape": [-1, 5]}),
    "reshape two -1": one(IMAGE, {"type": "Reshape", "target_shape": [-1, -1]}),
    "reshape 0": one(IMAGE, {"type": "Reshape", "target_shape": [0, -1]}),
    "reshape -2": one(IMAGE, {"type": "Reshape", "target_shape": [-2, 108]}),
    "identity": one(IMAGE, {"type": "Identity"}),
    "identity rank 1": one((7,), {"type": "Identity"}),
}  # fmt: skip


def branches(
    shape: tuple[int, ...], *layers: dict[str, Any], merge: dict[str, Any]
) -> dict[str, Any]:
    """A spec whose named layers each take the input (unless they say), then the merge."""
    branch = [{"inputs": ["input"], **layer} for layer in layers]
    return chain(*branch, merge, shape=shape)


KEEP = {"type": "GlobalAveragePooling2D", "keepdims": True, "name": "pixel"}  # (1, 1, C)
CHANNELS = {"type": "GlobalAveragePooling2D", "name": "vector"}  # (C,)
ROW = {"type": "AveragePooling2D", "pool_size": [1, 4], "name": "row"}  # (H, 1, C)
COLUMN = {"type": "AveragePooling2D", "pool_size": [4, 1], "name": "column"}  # (1, W, C)
SINGLE = {"type": "Dense", "units": 1, "name": "single"}  # (H, W, 1)
PAIR = {"type": "Dense", "units": 2, "name": "pair"}  # (H, W, 2)
SMALLER = {"type": "MaxPooling2D", "name": "smaller"}  # (H/2, W/2, C)
SAME = {"type": "Conv2D", "filters": 3, "kernel_size": 3, "padding": "same", "name": "same"}
VALID = {"type": "Conv2D", "filters": 3, "kernel_size": 3, "name": "valid"}
FLAT = {"type": "Flatten", "name": "flat"}
STRIP = {"type": "Reshape", "target_shape": [4, 3], "name": "strip", "inputs": ["row"]}  # (4, 3)
SQUARE = (4, 4, 3)


def merge(kind: str, *inputs: str, **arguments: Any) -> dict[str, Any]:
    return {"type": kind, "inputs": list(inputs), "name": "merge", **arguments}


MERGE_CASES: dict[str, dict[str, Any]] = {
    **{
        f"{kind} of equal shapes": branches(SQUARE, SAME, merge=merge(kind, "same", "input"))
        for kind in ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate")
    },
    **{
        f"{kind} of three": branches(SQUARE, SAME, VALID, merge=merge(kind, "same", "input", "same"))
        for kind in ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate")
    },
    **{
        f"{kind} of one": branches(SQUARE, SAME, merge=merge(kind, "same"))
        for kind in ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate")
    },
    "Add of the same output twice": branches(SQUARE, SAME, merge=merge("Add", "same", "same")),
    "Add after a valid convolution": branches(SQUARE, VALID, merge=merge("Add", "input", "valid")),
    "Add of different channels": branches(SQUARE, PAIR, merge=merge("Add", "input", "pair")),
    "Add of different sizes": branches(SQUARE, SMALLER, merge=merge("Add", "input", "smaller")),
    "Multiply by (1, 1, C)": branches(SQUARE, KEEP, merge=merge("Multiply", "input", "pixel")),
    "Multiply (1, 1, C) first": branches(SQUARE, KEEP, merge=merge("Multiply", "pixel", "input")),
    "Add of (C,) and an image": branches(SQUARE, CHANNELS, merge=merge("Add", "vector", "input")),
    "Add of (H, 1, C) and (1, W, C)": branches(SQUARE, ROW, COLUMN, merge=merge("Add", "row", "column")),
    "Maximum of (H, W, 1) and (H, W, C)": branches(SQUARE, SINGLE, merge=merge("Maximum", "single", "input")),
    "Average of (H, W, 1) and (H, W, 2)": branches(SQUARE, SINGLE, PAIR, merge=merge("Average", "single", "pair")),
    "Add of (H, 3) and an image": branches(SQUARE, ROW, STRIP, merge=merge("Add", "input", "strip")),
    "Add of a vector and an image": branches(SQUARE, FLAT, merge=merge("Add", "flat", "input")),
    "Subtract of three, one broadcast": branches(SQUARE, KEEP, merge=merge("Subtract", "pixel", "input", "pixel")),
    "Concatenate on channels": branches(SQUARE, PAIR, merge=merge("Concatenate", "input", "pair")),
    "Concatenate on height": branches(SQUARE, COLUMN, merge=merge("Concatenate", "input", "column", axis=1)),
    "Concatenate on height, counted from the end": branches(SQUARE, COLUMN, merge=merge("Concatenate", "column", "input", axis=-3)),
    "Concatenate on width": branches(SQUARE, ROW, merge=merge("Concatenate", "row", "input", axis=2)),
    "Concatenate on channels, counted from the front": branches(SQUARE, SINGLE, merge=merge("Concatenate", "single", "input", axis=3)),
    "Concatenate on height, widths differ": branches(SQUARE, ROW, merge=merge("Concatenate", "input", "row", axis=1)),
    "Concatenate on channels, sizes differ": branches(SQUARE, SMALLER, merge=merge("Concatenate", "input", "smaller")),
    "Concatenate (1, 1, C) and an image": branches(SQUARE, KEEP, merge=merge("Concatenate", "input", "pixel")),
    "Concatenate of different ranks": branches(SQUARE, CHANNELS, merge=merge("Concatenate", "input", "vector")),
    "Concatenate on an axis past the last": branches(SQUARE, SAME, merge=merge("Concatenate", "input", "same", axis=4)),
    "Concatenate on an axis before the first": branches(SQUARE, SAME, merge=merge("Concatenate", "input", "same", axis=-5)),
    "Concatenate of vectors": branches(SQUARE, FLAT, CHANNELS, merge=merge("Concatenate", "flat", "vector")),
    "a residual block": chain(
        {"type": "Conv2D", "filters": 4, "kernel_size": 3, "padding": "same", "name": "stem"},
        {"type": "Conv2D", "filters": 4, "kernel_size": 3, "padding": "same", "use_bias": False},
        {"type": "BatchNormalization"},
        {"type": "Add", "inputs": ["stem", "batch_normalization"]},
        {"type": "Activation", "activation": "relu"},
        {"type": "GlobalAveragePooling2D"},
        {"type": "Dense", "units": 3, "activation": "softmax"},
        shape=(8, 8, 3),
    ),
    "an Inception-style block": chain(
        {"type": "Conv2D", "filters": 2, "kernel_size": 1, "name": "one", "inputs": ["input"]},
        {"type": "Conv2D", "filters": 3, "kernel_size": 3, "padding": "same", "name": "three", "inputs": ["input"]},
        {"type": "SeparableConv2D", "filters": 4, "kernel_size": 5, "padding": "same", "name": "five", "inputs": ["input"]},
        {"type": "MaxPooling2D", "pool_size": 3, "strides": 1, "padding": "same", "name": "pool", "inputs": ["input"]},
        {"type": "Concatenate", "inputs": ["one", "three", "five", "pool"]},
        shape=(7, 9, 3),
    ),
    "a U-Net-style skip": chain(
        {"type": "Conv2D", "filters": 4, "kernel_size": 3, "name": "down1"},
        {"type": "MaxPooling2D", "name": "pooled"},
        {"type": "Conv2D", "filters": 8, "kernel_size": 3, "padding": "same"},
        {"type": "Conv2DTranspose", "filters": 4, "kernel_size": 2, "strides": 2, "name": "up"},
        {"type": "Cropping2D", "cropping": [[1, 1], [1, 1]], "inputs": ["down1"], "name": "crop"},
        {"type": "Concatenate", "inputs": ["crop", "up"]},
        {"type": "UpSampling2D", "interpolation": "bilinear"},
        {"type": "DepthwiseConv2D", "kernel_size": 3, "padding": "same"},
        shape=(14, 14, 1),
    ),
    "a dead end": chain(
        {"type": "Conv2D", "filters": 2, "kernel_size": 3, "name": "dead"},
        {"type": "Dense", "units": 3, "name": "feeds_only_the_dead_end", "inputs": ["input"]},
        {"type": "Dense", "units": 4, "name": "also_dead", "inputs": ["feeds_only_the_dead_end"]},
        {"type": "Conv2D", "filters": 2, "kernel_size": 1, "inputs": ["input"]},
        shape=(6, 6, 3),
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(CASES))
def test_new_layer_types_against_keras(keras: ModuleType, name: str) -> None:
    check_against_keras(keras, CASES[name])


@pytest.mark.parametrize("name", sorted(MERGE_CASES))
def test_merges_and_graphs_against_keras(keras: ModuleType, name: str) -> None:
    check_against_keras(keras, MERGE_CASES[name])


def test_dead_ends_are_left_out_as_keras_leaves_them_out(keras: ModuleType) -> None:
    trace = check_against_keras(keras, MERGE_CASES["a dead end"])
    assert trace is not None
    assert [row.reaches_output for row in trace.layers] == [False, False, False, True]
    assert [w.split(" ")[0] for w in trace.warnings] == ["layers[0]", "layers[2]"]


def test_concatenate_on_the_batch_axis_is_refused_though_keras_builds_it(keras: ModuleType) -> None:
    for axis in (0, -4):
        spec = branches(SQUARE, SAME, merge=merge("Concatenate", "input", "same", axis=axis))
        assert not isinstance(keras_verdict(keras, spec), Exception)
        error = engine_verdict(spec)
        assert isinstance(error, SpecError)
        assert f"axis={axis} is the batch axis" in str(error)


def test_the_cpu_cannot_run_a_dilated_transposed_convolution(keras: ModuleType) -> None:
    """Not a refusal of Keras': checked so that the exemption above stays needed and narrow."""
    import numpy as np
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        pytest.skip("a GPU runs dilated transposed convolutions")
    keras.backend.clear_session()
    layer = keras.layers.Conv2DTranspose(2, 3, dilation_rate=2)
    inputs = keras.Input((5, 5, 3))
    assert tuple(layer(inputs).shape) == (None, 9, 9, 2)
    try:
        computed = layer(np.zeros((1, 5, 5, 3), "float32"))
    except Exception as error:
        refusal = str(error)
    else:  # TensorFlow builds with oneDNN's kernels (AVX-512 machines) run it
        assert tuple(computed.shape) == (1, 9, 9, 2)
        pytest.skip("this TensorFlow build runs dilated transposed convolutions on the CPU")
    assert CPU_DILATION in refusal


def test_every_argument_of_every_layer_type_is_a_keras_argument(keras: ModuleType) -> None:
    """A spec's fields go to the Keras class as keyword arguments: each must be one of its own."""
    import inspect

    for cls in LAYER_CLASSES:
        accepted = inspect.signature(getattr(keras.layers, cls.keras_class)).parameters
        for field in set(cls.model_fields) - {"type", "name", "inputs", "trainable"}:
            assert field in accepted, f"{cls.__name__}.{field} is not an argument of Keras' class"
        # trainable, like name, goes to Keras' base Layer through the class's **kwargs
        passes_on = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in accepted.values())
        assert cls.takes_trainable == (passes_on or "trainable" in accepted), cls.__name__


def test_resnet_small_matches_keras(keras: ModuleType) -> None:
    import json

    spec = json.loads((SPECS / "resnet-small.json").read_text())
    trace = check_against_keras(keras, spec)
    assert trace is not None
    assert trace.total_params == load_and_count(keras)


def load_and_count(keras: ModuleType) -> int:
    model = built_from_specs(keras, load_spec(SPECS / "resnet-small.json"))
    return int(model.count_params())


# Hypothesis: random graphs of the new layers and merges, wired at random to earlier outputs.
FILTERS = st.sampled_from([2, 3, 4])
PADDING = st.sampled_from(["valid", "same"])
ONE_INPUT = st.one_of(
    st.fixed_dictionaries({"type": st.just("Conv2D"), "filters": FILTERS, "kernel_size": st.integers(1, 3),
                           "strides": st.integers(1, 2), "padding": PADDING}),
    st.fixed_dictionaries({"type": st.just("DepthwiseConv2D"), "kernel_size": st.integers(1, 3),
                           "strides": st.integers(1, 2), "padding": PADDING, "depth_multiplier": st.integers(1, 2)}),
    st.fixed_dictionaries({"type": st.just("SeparableConv2D"), "filters": FILTERS, "kernel_size": st.integers(1, 3),
                           "padding": PADDING}),
    st.fixed_dictionaries({"type": st.just("Conv2DTranspose"), "filters": FILTERS, "kernel_size": st.integers(1, 3),
                           "strides": st.integers(1, 2), "padding": PADDING}),
    st.fixed_dictionaries({"type": st.sampled_from(["MaxPooling2D", "AveragePooling2D"]), "pool_size": st.integers(1, 2), "padding": PADDING}),
    st.fixed_dictionaries({"type": st.just("UpSampling2D"), "size": st.integers(1, 2)}),
    st.fixed_dictionaries({"type": st.just("Cropping2D"), "cropping": st.integers(0, 1)}),
    st.fixed_dictionaries({"type": st.sampled_from(["BatchNormalization", "Identity"])}),
    st.fixed_dictionaries({"type": st.just("GlobalAveragePooling2D"), "keepdims": st.booleans()}),
)  # fmt: skip
MERGE_TYPES = st.sampled_from(sorted(MERGES))


@st.composite
def graphs(draw: st.DrawFn) -> dict[str, Any]:
    """A spec of 2 to 7 layers, each taking one or more of the outputs before it."""
    names = ["input"]
    layers = []
    for index in range(draw(st.integers(2, 7))):
        if index and draw(st.booleans()):
            kind = draw(MERGE_TYPES)
            count = 2 if kind == "Subtract" else draw(st.integers(1, 3))
            layer: dict[str, Any] = {
                "type": kind,
                "inputs": draw(st.lists(st.sampled_from(names), min_size=count, max_size=count)),
            }
        else:
            layer = {**draw(ONE_INPUT), "inputs": [draw(st.sampled_from(names))]}
        layer["name"] = f"l{index}"
        names.append(layer["name"])
        layers.append(layer)
    shape = (draw(st.integers(3, 9)), draw(st.integers(3, 9)), draw(st.sampled_from([2, 4])))
    return chain(*layers, shape=shape)


EXAMPLES = int(os.environ.get("ARCHPLAN_KERAS_EXAMPLES", "40"))
"""About 15 s on a 2-core machine; ARCHPLAN_KERAS_EXAMPLES=600 searched harder (and passed)."""


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(spec=graphs())
def test_random_graphs_agree_with_keras(keras: ModuleType, spec: dict[str, Any]) -> None:
    check_against_keras(keras, spec)
