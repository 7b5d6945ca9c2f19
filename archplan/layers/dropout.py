"""Dropout layer specs (Keras' regularization layers): Dropout and SpatialDropout1D/2D/3D.

They zero values while training and pass their input on unchanged at inference: no weights, no
MACs, the shape kept.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field

from archplan.layers.args import DataFormat, PositiveInt, as_tuple
from archplan.layers.base import Inference, Layer, LayerShapeError, SpatialLayer, register
from archplan.rules.receptive import POINTWISE
from archplan.rules.shapes import Shape, format_shape

NoiseShape = Annotated[tuple[PositiveInt | None, ...], BeforeValidator(as_tuple)]
"""Dropout's ``noise_shape``: the mask's shape, batch axis first, None for "as the input"."""


@register
class Dropout(Layer):
    """Zeroes a fraction ``rate`` of values while training; the shape is unchanged.

    ``noise_shape`` (batch axis included, None for "as the input") shares one mask value along
    the axes it sets to 1: ``[None, 1, 1, 1]`` drops whole samples, as EfficientNet's stochastic
    depth does.
    """

    keras_class = "Dropout"
    type: Literal["Dropout"]
    rate: Annotated[float, Field(ge=0.0, le=1.0)]
    noise_shape: NoiseShape | None = None
    seed: int | None = None

    def infer(self, input_shape: Shape) -> Inference:
        if self.noise_shape is not None:
            _check_noise_shape(self.noise_shape, input_shape)
        return Inference(output_shape=input_shape, macs=0, reach=POINTWISE)  # identity at inference

    def describe(self) -> str:
        parts = [f"rate {self.rate:g}"]
        if self.noise_shape is not None:
            parts.append(f"noise shape {_sizes(self.noise_shape)}")
        return ", ".join(parts)


def _sizes(noise_shape: tuple[int | None, ...]) -> str:
    """``(None, 1, 1, 1)``, as Keras writes a shape with its batch axis."""
    return "(" + ", ".join("None" if size is None else str(size) for size in noise_shape) + ")"


def _check_noise_shape(noise_shape: tuple[int | None, ...], input_shape: Shape) -> None:
    """The mask must line up with the input, batch axis first: each size None, 1 or the input's."""
    expected = (None, *input_shape)
    fits = len(noise_shape) == len(expected) and all(
        size is None or size in (1, actual)
        for size, actual in zip(noise_shape, expected, strict=True)
    )
    if not fits:
        raise LayerShapeError(
            f"noise_shape {_sizes(noise_shape)} does not fit an input of shape "
            f"{format_shape(input_shape)} (Keras builds it, then fails on the first call in "
            f"training): give {len(expected)} sizes, the batch axis first, each None, 1 or the "
            "input's size"
        )


class _SpatialDropout(SpatialLayer):
    """Zeroes whole feature maps (a fraction ``rate`` of the channels) while training.

    Neighbouring positions of a map are alike, so dropping single values (Dropout) barely
    regularises a convolution's output; dropping whole channels does. The shape is unchanged,
    nothing is learnt. One class for every rank; the Keras classes are thin subclasses.
    """

    rank_hint = "use Dropout on other ranks"
    takes_trainable = False  # Keras' spatial dropouts take no trainable argument
    rate: Annotated[float, Field(ge=0.0, le=1.0)]
    seed: int | None = None

    def infer(self, input_shape: Shape) -> Inference:
        _, channels = self.split(input_shape)
        return Inference(
            output_shape=input_shape,
            arithmetic=(f"training: drops whole channels of {channels}; inference: identity",),
            macs=0,
            reach=POINTWISE,
        )

    def describe(self) -> str:
        return f"rate {self.rate:g}"


@register
class SpatialDropout2D(_SpatialDropout):
    """Drops whole channels of an image."""

    keras_class = "SpatialDropout2D"
    type: Literal["SpatialDropout2D"]
    data_format: DataFormat = "channels_last"
