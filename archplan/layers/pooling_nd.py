"""Pooling over a sequence (1-D) or a volume (3-D): the rules of
:class:`archplan.layers.pooling._Pooling`, in thin Keras-named subclasses (their own family, so a
spec of images never creates them)."""

from __future__ import annotations

from typing import ClassVar, Literal

from archplan.layers.args import PositiveSizes1, PositiveSizes3
from archplan.layers.base import register
from archplan.layers.pooling import _Pooling
from archplan.rules.costs import Reduction


@register
class MaxPooling1D(_Pooling):
    """The largest value of each window along a sequence."""

    keras_class = "MaxPooling1D"
    spatial_rank = 1
    type: Literal["MaxPooling1D", "MaxPool1D"]
    reduction: ClassVar[Reduction] = "max"
    pool_size: PositiveSizes1 = (2,)
    strides: PositiveSizes1 | None = None


@register
class MaxPooling3D(_Pooling):
    """The largest value of each window over a volume."""

    keras_class = "MaxPooling3D"
    spatial_rank = 3
    type: Literal["MaxPooling3D", "MaxPool3D"]
    reduction: ClassVar[Reduction] = "max"
    pool_size: PositiveSizes3 = (2, 2, 2)
    strides: PositiveSizes3 | None = None


@register
class AveragePooling1D(_Pooling):
    """The mean of each window along a sequence. Keras gives ``pool_size`` no default."""

    keras_class = "AveragePooling1D"
    spatial_rank = 1
    type: Literal["AveragePooling1D", "AvgPool1D"]
    reduction: ClassVar[Reduction] = "mean"
    pool_size: PositiveSizes1
    strides: PositiveSizes1 | None = None


@register
class AveragePooling3D(_Pooling):
    """The mean of each window over a volume. Keras gives ``pool_size`` no default."""

    keras_class = "AveragePooling3D"
    spatial_rank = 3
    type: Literal["AveragePooling3D", "AvgPool3D"]
    reduction: ClassVar[Reduction] = "mean"
    pool_size: PositiveSizes3
    strides: PositiveSizes3 | None = None
