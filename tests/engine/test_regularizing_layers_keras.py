"""Keras as the reference for the augmentation, preprocessing, LayerNormalization, SpatialDropout2D
and ReLU layers, Dropout's noise_shape, and kernel regularizers.

Each case is one layer on one input shape. Keras judges the raw JSON (the class named by ``type``,
the other fields as keyword arguments: nothing of archplan's in between), building the layer on
``keras.Input(shape)`` and calling the model on zeros, at inference and while training; the engine
parses and traces it. Both must accept it or both refuse it ("Keras refuses" means it raised while
building or on one of those calls). When both accept, the output shape and the trainable and
non-trainable weights must be equal, for the raw layer and for the one built from
``keras_arguments()``.

Where the engine knowingly refuses what Keras accepts, the case is in STRICTER, checked as a
difference (so a change on either side is noticed), with the reason.
"""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

import pytest

from archplan import SpecError, Trace, parse_spec, trace_network
from tests.conftest import chain

pytestmark = pytest.mark.keras


def weights(variables: list[Any]) -> int:
    return sum(math.prod(variable.shape) for variable in variables)


def facts(layer: Any, output: Any) -> tuple[tuple[int | None, ...], int, int]:
    """The Keras layer's output shape (no batch axis) and its trainable, non-trainable weights."""
    return (
        tuple(output.shape)[1:],
        weights(layer.trainable_weights),
        weights(layer.non_trainable_weights),
    )


def keras_verdict(
    keras: ModuleType, shape: tuple[int, ...], keras_class: str, arguments: dict[str, Any]
) -> tuple[tuple[int | None, ...], int, int] | Exception:
    """What Keras makes of one layer: its facts, or the exception it raised (its refusal)."""
    import numpy as np

    keras.backend.clear_session()
    try:
        inputs = keras.Input(shape=shape)
        layer = getattr(keras.layers, keras_class)(**arguments)
        output = layer(inputs)
        model = keras.Model(inputs, output)
        for training in (False, True):
            model(np.zeros((2, *shape), "float32"), training=training)
    except Exception as error:  # whatever Keras raises is its refusal
        return error
    return facts(layer, output)


def engine_verdict(shape: tuple[int, ...], layer: dict[str, Any]) -> Trace | SpecError:
    try:
        return trace_network(parse_spec(chain(layer, shape=shape)))
    except SpecError as error:
        return error


def raw_arguments(layer: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in layer.items() if key != "type"}


IMAGE = (9, 8, 3)
CASES: dict[str, tuple[tuple[int, ...], dict[str, Any]]] = {
    # RandomFlip
    "flip default": (IMAGE, {"type": "RandomFlip"}),
    "flip horizontal seeded": (IMAGE, {"type": "RandomFlip", "mode": "horizontal", "seed": 3}),
    "flip vertical": (IMAGE, {"type": "RandomFlip", "mode": "vertical"}),
    "flip on rank 1": ((6,), {"type": "RandomFlip"}),
    "flip on rank 4": ((4, 4, 3, 2), {"type": "RandomFlip"}),
    # RandomTranslation
    "translation": (IMAGE, {"type": "RandomTranslation", "height_factor": 0.125, "width_factor": 0.125}),
    "translation pairs": (IMAGE, {"type": "RandomTranslation", "height_factor": [-0.2, 0.1], "width_factor": [0.3, -0.1]}),
    "translation constant": (IMAGE, {"type": "RandomTranslation", "height_factor": 1, "width_factor": -1, "fill_mode": "constant", "fill_value": 2.5}),
    "translation wrap nearest": (IMAGE, {"type": "RandomTranslation", "height_factor": 0.5, "width_factor": 0, "fill_mode": "wrap", "interpolation": "nearest", "seed": 1}),
    "translation factor > 1": (IMAGE, {"type": "RandomTranslation", "height_factor": 1.5, "width_factor": 0.1}),
    "translation pair past -1": (IMAGE, {"type": "RandomTranslation", "height_factor": 0.1, "width_factor": [-1.5, 0.2]}),
    "translation three bounds": (IMAGE, {"type": "RandomTranslation", "height_factor": [0.1, 0.2, 0.3], "width_factor": 0.1}),
    "translation no width": (IMAGE, {"type": "RandomTranslation", "height_factor": 0.1}),
    "translation unknown fill": (IMAGE, {"type": "RandomTranslation", "height_factor": 0.1, "width_factor": 0.1, "fill_mode": "mirror"}),
    "translation bicubic": (IMAGE, {"type": "RandomTranslation", "height_factor": 0.1, "width_factor": 0.1, "interpolation": "bicubic"}),
    "translation on rank 1": ((6,), {"type": "RandomTranslation", "height_factor": 0.1, "width_factor": 0.1}),
    # RandomRotation
    "rotation": (IMAGE, {"type": "RandomRotation", "factor": 0.05}),
    "rotation full turn": (IMAGE, {"type": "RandomRotation", "factor": -1, "fill_mode": "nearest"}),
    "rotation pair": (IMAGE, {"type": "RandomRotation", "factor": [0.2, -0.1], "fill_mode": "constant", "fill_value": 1}),
    "rotation factor > 1": (IMAGE, {"type": "RandomRotation", "factor": 1.01}),
    "rotation pair outside": (IMAGE, {"type": "RandomRotation", "factor": [2, 3]}),
    "rotation one bound": (IMAGE, {"type": "RandomRotation", "factor": [0.1]}),
    # RandomZoom
    "zoom": (IMAGE, {"type": "RandomZoom", "height_factor": 0.1}),
    "zoom both": (IMAGE, {"type": "RandomZoom", "height_factor": [-0.3, 0.2], "width_factor": 1, "interpolation": "nearest"}),
    "zoom -1": (IMAGE, {"type": "RandomZoom", "height_factor": -1}),
    "zoom width past 1": (IMAGE, {"type": "RandomZoom", "height_factor": 0.1, "width_factor": [0.5, 1.5]}),
    "zoom on rank 4": ((4, 4, 3, 2), {"type": "RandomZoom", "height_factor": 0.1}),
    # RandomCrop
    "crop": (IMAGE, {"type": "RandomCrop", "height": 4, "width": 5}),
    "crop whole": (IMAGE, {"type": "RandomCrop", "height": 9, "width": 8, "seed": 7}),
    "crop one side": (IMAGE, {"type": "RandomCrop", "height": 9, "width": 6}),
    "crop larger": (IMAGE, {"type": "RandomCrop", "height": 12, "width": 10}),
    "crop negative": (IMAGE, {"type": "RandomCrop", "height": -1, "width": 4}),
    "crop zero": (IMAGE, {"type": "RandomCrop", "height": 0, "width": 4}),  # Keras: on the first call
    "crop on rank 1": ((6,), {"type": "RandomCrop", "height": 2, "width": 2}),
    "crop on rank 4": ((4, 4, 3, 2), {"type": "RandomCrop", "height": 2, "width": 2}),
    # SpatialDropout2D
    "spatial dropout": (IMAGE, {"type": "SpatialDropout2D", "rate": 0.3, "seed": 2}),
    "spatial dropout all": (IMAGE, {"type": "SpatialDropout2D", "rate": 1}),
    "spatial dropout rate > 1": (IMAGE, {"type": "SpatialDropout2D", "rate": 1.5}),
    "spatial dropout on rank 2": ((8, 3), {"type": "SpatialDropout2D", "rate": 0.3}),
    "spatial dropout on rank 4": ((4, 4, 3, 2), {"type": "SpatialDropout2D", "rate": 0.3}),
    # LayerNormalization
    "layer norm": (IMAGE, {"type": "LayerNormalization"}),
    "layer norm no center": (IMAGE, {"type": "LayerNormalization", "center": False, "epsilon": 1e-5}),
    "layer norm nothing learnt": (IMAGE, {"type": "LayerNormalization", "center": False, "scale": False}),
    "layer norm height": (IMAGE, {"type": "LayerNormalization", "axis": 1}),
    "layer norm height width": (IMAGE, {"type": "LayerNormalization", "axis": [2, 1]}),
    "layer norm all": (IMAGE, {"type": "LayerNormalization", "axis": [1, 2, -1]}),
    "layer norm rank 1": ((7,), {"type": "LayerNormalization"}),
    "layer norm rank 4": ((4, 3, 2, 5), {"type": "LayerNormalization", "axis": [-2, -1]}),
    "layer norm batch axis": (IMAGE, {"type": "LayerNormalization", "axis": 0}),
    "layer norm batch axis from the end": (IMAGE, {"type": "LayerNormalization", "axis": -4}),
    "layer norm past the last axis": (IMAGE, {"type": "LayerNormalization", "axis": 4}),
    "layer norm same axis twice": (IMAGE, {"type": "LayerNormalization", "axis": [-1, 3]}),
    # Rescaling
    "rescaling": (IMAGE, {"type": "Rescaling", "scale": 0.00392156862745098}),
    "rescaling offset": (IMAGE, {"type": "Rescaling", "scale": 0.00784313725490196, "offset": -1}),
    "rescaling per channel": (IMAGE, {"type": "Rescaling", "scale": [1, 2, 3], "offset": [0.5]}),
    "rescaling one-item list": (IMAGE, {"type": "Rescaling", "scale": [2]}),
    "rescaling wrong count": (IMAGE, {"type": "Rescaling", "scale": [1, 2]}),
    "rescaling rank 1": ((5,), {"type": "Rescaling", "scale": [1, 2, 3, 4, 5]}),
    "rescaling no scale": (IMAGE, {"type": "Rescaling"}),
    # Normalization
    "normalization per channel": (IMAGE, {"type": "Normalization", "mean": [0.49, 0.48, 0.45], "variance": [0.06, 0.06, 0.07]}),
    "normalization scalar": (IMAGE, {"type": "Normalization", "mean": 0.5, "variance": 0.25, "invert": True}),
    "normalization one-item list": (IMAGE, {"type": "Normalization", "mean": [0.5], "variance": [0.25]}),
    "normalization no axis": (IMAGE, {"type": "Normalization", "axis": None, "mean": 0.5, "variance": 0.25}),
    "normalization two axes": (IMAGE, {"type": "Normalization", "axis": [1, 2], "mean": [0] * 8, "variance": [1] * 8}),
    "normalization same axis twice": (IMAGE, {"type": "Normalization", "axis": [-1, 3], "mean": 0, "variance": 1}),
    "normalization rank 1": ((5,), {"type": "Normalization", "mean": [0] * 5, "variance": [1] * 5}),
    "normalization wrong count": (IMAGE, {"type": "Normalization", "mean": [0, 0], "variance": [1, 1]}),
    "normalization shapes differ": (IMAGE, {"type": "Normalization", "mean": [0, 0, 0], "variance": 1}),
    "normalization mean only": (IMAGE, {"type": "Normalization", "mean": [0, 0, 0]}),
    "normalization list with no axis": (IMAGE, {"type": "Normalization", "axis": None, "mean": [0, 0, 0], "variance": [1, 1, 1]}),
    "normalization batch axis": (IMAGE, {"type": "Normalization", "axis": 0, "mean": 0, "variance": 1}),
    "normalization past the last axis": (IMAGE, {"type": "Normalization", "axis": 4, "mean": 0, "variance": 1}),
    "normalization variance only": (IMAGE, {"type": "Normalization", "variance": [1, 1, 1]}),
    # Normalization to adapt: mean, variance (per kept value) and a count, non-trainable
    "normalization to adapt": (IMAGE, {"type": "Normalization"}),
    "normalization to adapt, axis 3": (IMAGE, {"type": "Normalization", "axis": 3}),
    "normalization to adapt, two axes": (IMAGE, {"type": "Normalization", "axis": [1, -1]}),
    "normalization to adapt, no axis": (IMAGE, {"type": "Normalization", "axis": None, "invert": True}),
    "normalization to adapt, rank 1": ((5,), {"type": "Normalization"}),
    "normalization to adapt, batch axis": (IMAGE, {"type": "Normalization", "axis": 0}),
    # ReLU
    "relu": (IMAGE, {"type": "ReLU"}),
    "relu6": (IMAGE, {"type": "ReLU", "max_value": 6.0}),
    "relu leaky with threshold": ((6,), {"type": "ReLU", "negative_slope": 0.1, "threshold": 0.5, "max_value": 2}),
    "relu max 0": (IMAGE, {"type": "ReLU", "max_value": 0}),
    "relu negative max": (IMAGE, {"type": "ReLU", "max_value": -1.0}),
    "relu negative slope": (IMAGE, {"type": "ReLU", "negative_slope": -0.1}),
    "relu negative threshold": (IMAGE, {"type": "ReLU", "threshold": -1}),
    # Dropout's noise_shape: one mask value shared along the axes it sets to 1 (batch axis first)
    "dropout noise per sample": (IMAGE, {"type": "Dropout", "rate": 0.2, "noise_shape": [None, 1, 1, 1]}),
    "dropout noise per channel": (IMAGE, {"type": "Dropout", "rate": 0.5, "noise_shape": [None, 1, 1, 3], "seed": 1}),
    "dropout noise full": (IMAGE, {"type": "Dropout", "rate": 0.5, "noise_shape": [None, 9, 8, 3]}),
    "dropout noise wrong rank": (IMAGE, {"type": "Dropout", "rate": 0.5, "noise_shape": [None, 1, 1]}),
    "dropout noise wrong size": (IMAGE, {"type": "Dropout", "rate": 0.5, "noise_shape": [None, 1, 1, 2]}),
    # Kernel regularizers, in Keras' spellings (the raw JSON goes to Keras as is)
    "conv L2": (IMAGE, {"type": "Conv2D", "filters": 4, "kernel_size": 3, "kernel_regularizer": {"class_name": "L2", "config": {"l2": 0.0005}}}),
    "conv L1L2": (IMAGE, {"type": "Conv2D", "filters": 4, "kernel_size": 3, "kernel_regularizer": {"class_name": "L1L2", "config": {"l1": 0.1, "l2": 0.2}}}),
    "conv 'l2'": (IMAGE, {"type": "Conv2D", "filters": 4, "kernel_size": 1, "kernel_regularizer": "l2"}),
    "dense 'L1'": ((6,), {"type": "Dense", "units": 3, "kernel_regularizer": "L1"}),
    "dense l1l2 snake case, no config": ((6,), {"type": "Dense", "units": 3, "kernel_regularizer": {"class_name": "l1l2"}}),
    "dense L2 negative": ((6,), {"type": "Dense", "units": 3, "kernel_regularizer": {"class_name": "L2", "config": {"l2": -1}}}),
    "dense L2 wrong key": ((6,), {"type": "Dense", "units": 3, "kernel_regularizer": {"class_name": "L2", "config": {"l1": 1}}}),
    "dense 'l1_l2'": ((6,), {"type": "Dense", "units": 3, "kernel_regularizer": "l1_l2"}),
    "dense unknown regularizer": ((6,), {"type": "Dense", "units": 3, "kernel_regularizer": "l3"}),
}  # fmt: skip

STRICTER: dict[str, tuple[tuple[int, ...], dict[str, Any], str]] = {
    # Keras flips nothing for a mode it does not know.
    "flip typo": (IMAGE, {"type": "RandomFlip", "mode": "horizontl"}, "unknown flip mode 'horizontl'"),
    # Keras takes a batch of rank-2 samples for one image (its "height" is the batch).
    "flip on rank 2": ((8, 3), {"type": "RandomFlip"}, "RandomFlip augments images of rank 3"),
    "translation on rank 2": ((8, 3), {"type": "RandomTranslation", "height_factor": 0.1, "width_factor": 0.1}, "augments images of rank 3"),
    "rotation on rank 2": ((8, 3), {"type": "RandomRotation", "factor": 0.1}, "augments images of rank 3"),
    "zoom on rank 2": ((8, 3), {"type": "RandomZoom", "height_factor": 0.1}, "augments images of rank 3"),
    # Keras checks only that a rotation pair overlaps [-1, 1]: up to three turns here.
    "rotation pair past 1": (IMAGE, {"type": "RandomRotation", "factor": [0.5, 3]}, "a fraction of a full turn in [-1, 1]"),
    # Keras normalises over nothing: every output is beta.
    "layer norm no axis": (IMAGE, {"type": "LayerNormalization", "axis": []}, "normalises over no axis"),
    # With nothing to learn Keras creates no weight of the batch's unknown size, and normalises
    # across the samples of the batch.
    "layer norm batch axis, nothing learnt": (IMAGE, {"type": "LayerNormalization", "axis": 0, "center": False, "scale": False},
                                              "axis=0 is not a feature axis"),
    # Keras accepts any epsilon (as for BatchNormalization, the engine wants one > 0).
    "layer norm epsilon 0": (IMAGE, {"type": "LayerNormalization", "epsilon": 0}, "greater than 0"),
    # Keras divides by the square root of a negative variance: NaN.
    "normalization negative variance": (IMAGE, {"type": "Normalization", "mean": 0, "variance": -1}, "a variance cannot be negative"),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(CASES))
def test_engine_and_keras_agree(keras: ModuleType, name: str) -> None:
    shape, layer = CASES[name]
    keras_class = layer["type"]
    verdict = keras_verdict(keras, shape, keras_class, raw_arguments(layer))
    engine = engine_verdict(shape, layer)
    keras_refused, engine_refused = isinstance(verdict, Exception), isinstance(engine, SpecError)
    assert engine_refused == keras_refused, (
        f"engine: {engine if engine_refused else 'accepts'}\n"
        f"Keras: {verdict if keras_refused else 'accepts'}"
    )
    if isinstance(engine, SpecError):
        return
    row = engine.layers[0]
    assert verdict == (row.output_shape, row.trainable_params, row.non_trainable_params)
    built = parse_spec(chain(layer, shape=shape)).layers[0]
    assert keras_verdict(keras, shape, built.keras_class, built.keras_arguments()) == verdict


@pytest.mark.parametrize("name", sorted(STRICTER))
def test_the_engine_is_stricter_on_purpose(keras: ModuleType, name: str) -> None:
    shape, layer, phrase = STRICTER[name]
    arguments = raw_arguments(layer)
    assert not isinstance(keras_verdict(keras, shape, layer["type"], arguments), Exception)
    engine = engine_verdict(shape, layer)
    assert isinstance(engine, SpecError)
    assert phrase in str(engine)


@pytest.mark.parametrize(
    "regularizer",
    [{"l2": 0.0005}, {"l1": 0.001}, {"l1": 0.001, "l2": 0.0005}, {"l2": 0}],
)
def test_archplans_short_form_reaches_keras_as_its_own(
    keras: ModuleType, regularizer: dict[str, float]
) -> None:
    """Keras refuses ``{"l2": ...}`` as is; ``keras_arguments()`` hands it Keras' form instead."""
    layer = {"type": "Dense", "units": 3, "kernel_regularizer": regularizer}
    assert isinstance(keras_verdict(keras, (6,), "Dense", raw_arguments(layer)), Exception)
    built = parse_spec(chain(layer, shape=(6,))).layers[0]
    dense = keras.layers.Dense(**built.keras_arguments())
    penalty = dense.kernel_regularizer.get_config()
    assert penalty.get("l1", 0.0) == pytest.approx(regularizer.get("l1", 0.0))
    assert penalty.get("l2", 0.0) == pytest.approx(regularizer.get("l2", 0.0))


def test_the_penalty_is_the_one_keras_adds_to_the_loss(keras: ModuleType) -> None:
    import numpy as np

    keras.backend.clear_session()
    layer = {"type": "Dense", "units": 2, "kernel_regularizer": {"l1": 0.5, "l2": 0.25}}
    built = parse_spec(chain(layer, shape=(3,))).layers[0]
    arguments = built.keras_arguments() | {"kernel_initializer": "ones"}
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(**arguments)(inputs))
    model(np.zeros((1, 3), "float32"))
    assert float(sum(model.losses)) == pytest.approx(0.5 * 6 + 0.25 * 6)


def test_keras_still_skips_the_crop_at_inference(keras: ModuleType) -> None:
    """keras-team/keras#21868, which RandomCrop's arithmetic column warns of: when Keras crops at
    inference too, the warning (and this test) should go."""
    import numpy as np

    keras.backend.clear_session()
    layer = keras.layers.RandomCrop(4, 5)
    assert tuple(layer(keras.Input(IMAGE)).shape) == (None, 4, 5, 3)
    images = np.zeros((2, *IMAGE), "float32")
    assert tuple(layer(images, training=False).shape) == (2, *IMAGE)
    assert tuple(layer(images, training=True).shape) == (2, 4, 5, 3)


def test_keras_does_not_compile_models_with_resampling_augmentations(keras: ModuleType) -> None:
    """Why cifar10-fast.json augments with RandomFlip only: Keras compiles (jit) a model only if
    every layer supports it, and these four do not."""
    assert keras.layers.RandomFlip().supports_jit
    assert not keras.layers.RandomTranslation(0.1, 0.1).supports_jit
    assert not keras.layers.RandomRotation(0.1).supports_jit
    assert not keras.layers.RandomZoom(0.1).supports_jit
    assert not keras.layers.RandomCrop(2, 2).supports_jit
