"""Global pooling over a sequence (1-D) or a volume (3-D): the rules of
:class:`archplan.layers.global_pooling._GlobalPooling`, in thin Keras-named subclasses (their own
family, so a spec of images never creates them)."""

from __future__ import annotations

from typing import ClassVar, Literal

from archplan.layers.base import register
from archplan.layers.global_pooling import _GlobalPooling
from archplan.rules.costs import Reduction


@register
class GlobalAveragePooling1D(_GlobalPooling):
    """The mean over a sequence's steps, per channel."""

    keras_class = "GlobalAveragePooling1D"
    spatial_rank = 1
    type: Literal["GlobalAveragePooling1D", "GlobalAvgPool1D"]
    reduction: ClassVar[Reduction] = "mean"


@register
class GlobalAveragePooling3D(_GlobalPooling):
    """The mean over a volume's depth, height and width, per channel."""

    keras_class = "GlobalAveragePooling3D"
    spatial_rank = 3
    type: Literal["GlobalAveragePooling3D", "GlobalAvgPool3D"]
    reduction: ClassVar[Reduction] = "mean"


@register
class GlobalMaxPooling1D(_GlobalPooling):
    """The maximum over a sequence's steps, per channel."""

    keras_class = "GlobalMaxPooling1D"
    spatial_rank = 1
    type: Literal["GlobalMaxPooling1D", "GlobalMaxPool1D"]
    reduction: ClassVar[Reduction] = "max"


@register
class GlobalMaxPooling3D(_GlobalPooling):
    """The maximum over a volume's depth, height and width, per channel."""

    keras_class = "GlobalMaxPooling3D"
    spatial_rank = 3
    type: Literal["GlobalMaxPooling3D", "GlobalMaxPool3D"]
    reduction: ClassVar[Reduction] = "max"
