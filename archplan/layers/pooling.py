"""Pooling layer specs: a window (max, average) moving over height and width.

The global poolings, which reduce the whole of height and width, are in :mod:`global_pooling`.
"""

from __future__ import annotations

import math
from typing import ClassVar, Literal

from archplan.layers.args import Padding, PositivePair
from archplan.layers.base import (
    Inference,
    SlidingWindowLayer,
    check_positive,
    register,
    require_rank,
)
from archplan.rules.arith import length_lines, pool_length
from archplan.rules.costs import Reduction, reduction_ops
from archplan.rules.receptive import windows
from archplan.rules.shapes import Pair, Shape


class _Pooling2D(SlidingWindowLayer):
    """A window of ``pool_size`` moving by ``strides`` (``pool_size`` unless given)."""

    reduction: ClassVar[Reduction]
    pool_size: PositivePair = (2, 2)
    strides: PositivePair | None = None
    padding: Padding = "valid"

    def window_strides(self) -> Pair:
        """``strides``, or ``pool_size`` when none are given (Keras' default)."""
        return self.strides if self.strides is not None else self.pool_size

    def infer(self, input_shape: Shape) -> Inference:
        require_rank(input_shape, 3, self.keras_class, "pool before flattening")
        height, width, channels = input_shape
        strides = self.window_strides()
        out_h = pool_length(height, self.pool_size[0], strides[0], self.padding)
        out_w = pool_length(width, self.pool_size[1], strides[1], self.padding)
        check_positive(out_h.value, out_w.value, length_lines(out_h, out_w))
        outs = (out_h.value, out_w.value)
        return Inference(
            output_shape=(*outs, channels),
            arithmetic=length_lines(out_h, out_w),
            macs=0,
            other_ops=reduction_ops(
                channels * math.prod(outs), math.prod(self.pool_size), self.reduction
            ),
            reach=windows((height, width), outs, self.pool_size, strides, (1, 1), self.padding),
        )

    def describe(self) -> str:
        parts = ["×".join(map(str, self.pool_size)), self.padding]
        if self.window_strides() != self.pool_size:
            parts.append("stride " + "×".join(map(str, self.window_strides())))
        return ", ".join(parts)


@register
class MaxPooling2D(_Pooling2D):
    """Keeps the largest value of each window."""

    keras_class = "MaxPooling2D"
    type: Literal["MaxPooling2D", "MaxPool2D"]
    reduction: ClassVar[Reduction] = "max"


@register
class AveragePooling2D(_Pooling2D):
    """Keeps the mean of each window. Unlike MaxPooling2D, Keras gives ``pool_size`` no default."""

    keras_class = "AveragePooling2D"
    type: Literal["AveragePooling2D", "AvgPool2D"]
    pool_size: PositivePair
    reduction: ClassVar[Reduction] = "mean"
