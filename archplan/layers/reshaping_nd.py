"""Padding, cropping and upsampling of a sequence (1-D) or a volume (3-D): the rules of the
rank-generic bases in :mod:`archplan.layers.reshaping`, in thin Keras-named subclasses."""

from __future__ import annotations

from typing import Literal

from archplan.layers.args import DataFormat, PositiveInt, PositiveSizes3
from archplan.layers.base import register
from archplan.layers.reshaping import Margins1, Margins3, _Cropping, _UpSampling, _ZeroPadding


@register
class ZeroPadding1D(_ZeroPadding):
    """Adds zeros before and after a sequence."""

    keras_class = "ZeroPadding1D"
    spatial_rank = 1
    type: Literal["ZeroPadding1D"]
    padding: Margins1 = ((1, 1),)
    data_format: DataFormat = "channels_last"


@register
class ZeroPadding3D(_ZeroPadding):
    """Adds zeros around each feature map of a volume, along depth, height and width."""

    keras_class = "ZeroPadding3D"
    spatial_rank = 3
    type: Literal["ZeroPadding3D"]
    padding: Margins3 = ((1, 1), (1, 1), (1, 1))
    data_format: DataFormat = "channels_last"


@register
class Cropping1D(_Cropping):
    """Removes steps at the start and end of a sequence (Keras crops 1 and 1 by default)."""

    keras_class = "Cropping1D"
    spatial_rank = 1
    type: Literal["Cropping1D"]
    cropping: Margins1 = ((1, 1),)


@register
class Cropping3D(_Cropping):
    """Removes positions at the borders of a volume (Keras crops 1 on every side by default)."""

    keras_class = "Cropping3D"
    spatial_rank = 3
    type: Literal["Cropping3D"]
    cropping: Margins3 = ((1, 1), (1, 1), (1, 1))
    data_format: DataFormat = "channels_last"


@register
class UpSampling1D(_UpSampling):
    """Repeats each step ``size`` times (Keras takes one integer here, not a list)."""

    keras_class = "UpSampling1D"
    spatial_rank = 1
    type: Literal["UpSampling1D"]
    size: PositiveInt = 2

    def factors(self) -> tuple[int, ...]:
        return (self.size,)


@register
class UpSampling3D(_UpSampling):
    """Repeats each position ``size`` times along depth, height and width."""

    keras_class = "UpSampling3D"
    spatial_rank = 3
    type: Literal["UpSampling3D"]
    size: PositiveSizes3 = (2, 2, 2)
    data_format: DataFormat = "channels_last"

    def factors(self) -> tuple[int, ...]:
        return self.size
