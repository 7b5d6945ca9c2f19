"""Global pooling layer specs: one value per channel, the mean or maximum over every spatial axis
(the steps of a sequence, an image's height and width, a volume's depth, height and width).

One class holds the rule for every rank; the Keras classes are thin subclasses of it.
"""

from __future__ import annotations

import math
from typing import ClassVar, Literal

from archplan.layers.args import DataFormat
from archplan.layers.base import Inference, SpatialLayer, register
from archplan.rules.costs import Reduction, reduction_ops
from archplan.rules.receptive import GLOBAL
from archplan.rules.shapes import Shape


class _GlobalPooling(SpatialLayer):
    """Reduces every spatial axis to one value per channel (to size 1 with ``keepdims``)."""

    reduction: ClassVar[Reduction]
    data_format: DataFormat = "channels_last"
    keepdims: bool = False

    def infer(self, input_shape: Shape) -> Inference:
        sizes, channels = self.split(input_shape)
        output = self.join((1,) * len(sizes), channels) if self.keepdims else (channels,)
        ops = reduction_ops(channels, math.prod(sizes), self.reduction)
        return Inference(
            output_shape=output,
            arithmetic=(f"{self.reduction} over {'×'.join(map(str, sizes))}",),
            macs=0,
            other_ops=ops,
            reach=None if self.channels_first else GLOBAL,  # fields follow channels-last inputs
        )

    def describe(self) -> str:
        parts = ["keepdims"] if self.keepdims else []
        parts += ["channels first"] if self.channels_first else []
        return ", ".join(parts)


@register
class GlobalAveragePooling2D(_GlobalPooling):
    """The mean over an image's height and width, per channel."""

    keras_class = "GlobalAveragePooling2D"
    type: Literal["GlobalAveragePooling2D", "GlobalAvgPool2D"]
    reduction: ClassVar[Reduction] = "mean"


@register
class GlobalMaxPooling2D(_GlobalPooling):
    """The maximum over an image's height and width, per channel."""

    keras_class = "GlobalMaxPooling2D"
    type: Literal["GlobalMaxPooling2D", "GlobalMaxPool2D"]
    reduction: ClassVar[Reduction] = "max"
