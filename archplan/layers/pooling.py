"""Pooling layer specs: a window (max, average) moving over 1, 2 or 3 spatial axes.

One class holds the rules for every rank; ``MaxPooling1D`` ... ``AveragePooling3D`` are thin
subclasses naming the reduction and the sizes of their arguments. The global poolings, which
reduce every spatial axis, are in :mod:`global_pooling`.
"""

from __future__ import annotations

import math
from typing import ClassVar, Literal

from archplan.layers.args import (
    DataFormat,
    Padding,
    PositivePair,
)
from archplan.layers.base import Inference, SlidingWindowLayer, check_positive, register
from archplan.rules.arith import length_lines, pool_length
from archplan.rules.costs import Reduction, reduction_ops
from archplan.rules.receptive import windows
from archplan.rules.shapes import Shape


class _Pooling(SlidingWindowLayer):
    """A window of ``pool_size`` moving by ``strides`` (``pool_size`` unless given)."""

    reduction: ClassVar[Reduction]
    pool_size: tuple[int, ...]
    strides: tuple[int, ...] | None = None
    padding: Padding = "valid"
    data_format: DataFormat = "channels_last"

    def window_strides(self) -> tuple[int, ...]:
        """``strides``, or ``pool_size`` when none are given (Keras' default)."""
        return self.strides if self.strides is not None else self.pool_size

    def infer(self, input_shape: Shape) -> Inference:
        sizes, channels = self.split(input_shape)
        strides = self.window_strides()
        outs = tuple(
            pool_length(size, pool, stride, self.padding)
            for size, pool, stride in zip(sizes, self.pool_size, strides, strict=True)
        )
        lengths = tuple(out.value for out in outs)
        check_positive(lengths, length_lines(*outs))
        ones = (1,) * self.spatial_rank
        return Inference(
            output_shape=self.join(lengths, channels),
            arithmetic=length_lines(*outs),
            macs=0,
            other_ops=reduction_ops(
                channels * math.prod(lengths), math.prod(self.pool_size), self.reduction
            ),
            reach=self.spatial_reach(
                windows(sizes, lengths, self.pool_size, strides, ones, self.padding)
            ),
        )

    def describe(self) -> str:
        parts = ["×".join(map(str, self.pool_size)), self.padding]
        if self.window_strides() != self.pool_size:
            parts.append("stride " + "×".join(map(str, self.window_strides())))
        parts += ["channels first"] if self.channels_first else []
        return ", ".join(parts)


@register
class MaxPooling2D(_Pooling):
    """The largest value of each window over height and width."""

    keras_class = "MaxPooling2D"
    type: Literal["MaxPooling2D", "MaxPool2D"]
    reduction: ClassVar[Reduction] = "max"
    pool_size: PositivePair = (2, 2)
    strides: PositivePair | None = None


@register
class AveragePooling2D(_Pooling):
    """The mean of each window. Unlike MaxPooling2D, Keras gives ``pool_size`` no default."""

    keras_class = "AveragePooling2D"
    type: Literal["AveragePooling2D", "AvgPool2D"]
    reduction: ClassVar[Reduction] = "mean"
    pool_size: PositivePair
    strides: PositivePair | None = None
