"""Global pooling layer specs: one value per channel, the mean or maximum over height and width."""

from __future__ import annotations

from typing import ClassVar, Literal

from archplan.layers.base import Inference, Layer, register, require_rank
from archplan.rules.costs import Reduction, reduction_ops
from archplan.rules.receptive import GLOBAL
from archplan.rules.shapes import Shape


class _GlobalPooling2D(Layer):
    """Reduces height and width to one value per channel."""

    reduction: ClassVar[Reduction]
    keepdims: bool = False

    def infer(self, input_shape: Shape) -> Inference:
        require_rank(input_shape, 3, self.keras_class, "use it on a convolution's output")
        height, width, channels = input_shape
        output = (1, 1, channels) if self.keepdims else (channels,)
        ops = reduction_ops(channels, height * width, self.reduction)
        return Inference(
            output_shape=output,
            arithmetic=(f"{self.reduction} over {height}×{width}",),
            macs=0,
            other_ops=ops,
            reach=GLOBAL,
        )

    def describe(self) -> str:
        return "keepdims" if self.keepdims else ""


@register
class GlobalAveragePooling2D(_GlobalPooling2D):
    """The mean over all positions of each channel."""

    keras_class = "GlobalAveragePooling2D"
    type: Literal["GlobalAveragePooling2D", "GlobalAvgPool2D"]
    reduction: ClassVar[Reduction] = "mean"


@register
class GlobalMaxPooling2D(_GlobalPooling2D):
    """The maximum over all positions of each channel."""

    keras_class = "GlobalMaxPooling2D"
    type: Literal["GlobalMaxPooling2D", "GlobalMaxPool2D"]
    reduction: ClassVar[Reduction] = "max"
