"""Normalisation layer specs."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from archplan.engine.arith import group, product
from archplan.engine.costs import NORMALIZATION_OPS_PER_VALUE
from archplan.engine.receptive import POINTWISE
from archplan.layers.args import Shape
from archplan.layers.base import Inference, Layer, LayerShapeError, register


@register
class BatchNormalization(Layer):
    """Normalises each channel; learns a scale (gamma) and shift (beta), tracks mean and variance.

    The moving mean and variance are weights Keras counts as non-trainable: 4·C in all, 2·C of them
    trainable when both ``center`` and ``scale`` are on.
    """

    keras_class = "BatchNormalization"
    type: Literal["BatchNormalization"]
    axis: int = -1
    momentum: Annotated[float, Field(ge=0.0, le=1.0)] = 0.99
    epsilon: Annotated[float, Field(gt=0.0)] = 0.001
    center: bool = True
    scale: bool = True

    def infer(self, input_shape: Shape) -> Inference:
        channels = input_shape[self._axis_index(input_shape)]
        learned = self.center + self.scale
        trainable, moving = learned * channels, 2 * channels
        total = trainable + moving
        if learned:
            formula = f"{2 + learned}·{channels} = {group(total)} ({group(moving)} non-trainable)"
        else:
            formula = f"2·{channels} = {group(total)} (non-trainable)"
        return Inference(
            output_shape=input_shape,
            trainable=trainable,
            non_trainable=moving,
            param_formula=formula,
            arithmetic=(f"normalises axis {self.axis} ({channels} channels)",),
            macs=0,
            other_ops=NORMALIZATION_OPS_PER_VALUE * product(input_shape),
            reach=POINTWISE,
        )

    def _axis_index(self, input_shape: Shape) -> int:
        """Keras counts axes with the batch axis first; archplan's shapes have no batch axis."""
        rank = len(input_shape) + 1
        index = self.axis + rank if self.axis < 0 else self.axis
        if not 1 <= index < rank:
            raise LayerShapeError(
                f"axis={self.axis} is not a feature axis of an input of shape {input_shape} "
                f"(Keras counts the batch axis as 0); use axis=-1 for channels"
            )
        return index - 1

    def describe(self) -> str:
        return "" if self.axis == -1 else f"axis {self.axis}"
