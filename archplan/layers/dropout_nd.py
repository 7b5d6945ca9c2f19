"""Spatial dropout of a sequence (1-D) or a volume (3-D): the rule of
:class:`archplan.layers.dropout._SpatialDropout`, in thin Keras-named subclasses."""

from __future__ import annotations

from typing import Literal

from archplan.layers.args import DataFormat
from archplan.layers.base import register
from archplan.layers.dropout import _SpatialDropout


@register
class SpatialDropout1D(_SpatialDropout):
    """Drops whole channels of a sequence (Keras takes no ``data_format`` here)."""

    keras_class = "SpatialDropout1D"
    spatial_rank = 1
    type: Literal["SpatialDropout1D"]


@register
class SpatialDropout3D(_SpatialDropout):
    """Drops whole channels of a volume."""

    keras_class = "SpatialDropout3D"
    spatial_rank = 3
    type: Literal["SpatialDropout3D"]
    data_format: DataFormat = "channels_last"
