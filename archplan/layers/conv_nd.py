"""Convolutions over a sequence (1-D) or a volume (3-D): the rules of the rank-generic bases in
:mod:`archplan.layers.conv`, in thin Keras-named subclasses that set the number of spatial axes
and the sizes of their arguments (their own family, so a spec of images never creates them)."""

from __future__ import annotations

from typing import Literal

from archplan.layers.args import (
    CausalPadding,
    NonNegativeSizes1,
    NonNegativeSizes3,
    PositiveSizes1,
    PositiveSizes3,
)
from archplan.layers.base import register
from archplan.layers.conv import _Conv, _ConvTranspose, _DepthwiseConv, _SeparableConv


@register
class Conv1D(_Conv):
    """A 1-D convolution over a sequence ``(steps, channels)``; ``padding='causal'`` pads only
    before the sequence, so output ``t`` sees inputs up to ``t`` (WaveNet, TCNs)."""

    keras_class = "Conv1D"
    spatial_rank = 1
    type: Literal["Conv1D", "Convolution1D"]
    kernel_size: PositiveSizes1
    strides: PositiveSizes1 = (1,)
    padding: CausalPadding = "valid"  # type: ignore[assignment]  # Conv1D alone: 'causal' too
    dilation_rate: PositiveSizes1 = (1,)


@register
class Conv3D(_Conv):
    """A 3-D convolution over a volume ``(depth, height, width, channels)``: video, CT, MRI."""

    keras_class = "Conv3D"
    spatial_rank = 3
    type: Literal["Conv3D", "Convolution3D"]
    kernel_size: PositiveSizes3
    strides: PositiveSizes3 = (1, 1, 1)
    dilation_rate: PositiveSizes3 = (1, 1, 1)


@register
class DepthwiseConv1D(_DepthwiseConv):
    """A depthwise convolution along a sequence: one kernel per channel."""

    keras_class = "DepthwiseConv1D"
    spatial_rank = 1
    type: Literal["DepthwiseConv1D"]
    kernel_size: PositiveSizes1
    strides: PositiveSizes1 = (1,)
    dilation_rate: PositiveSizes1 = (1,)


@register
class SeparableConv1D(_SeparableConv):
    """A separable convolution along a sequence."""

    keras_class = "SeparableConv1D"
    spatial_rank = 1
    type: Literal["SeparableConv1D", "SeparableConvolution1D"]
    kernel_size: PositiveSizes1
    strides: PositiveSizes1 = (1,)
    dilation_rate: PositiveSizes1 = (1,)


@register
class Conv1DTranspose(_ConvTranspose):
    """A transposed convolution along a sequence (a learned upsampling of its steps)."""

    keras_class = "Conv1DTranspose"
    spatial_rank = 1
    type: Literal["Conv1DTranspose", "Convolution1DTranspose"]
    kernel_size: PositiveSizes1
    strides: PositiveSizes1 = (1,)
    output_padding: NonNegativeSizes1 | None = None
    dilation_rate: PositiveSizes1 = (1,)


@register
class Conv3DTranspose(_ConvTranspose):
    """A transposed convolution over a volume."""

    keras_class = "Conv3DTranspose"
    spatial_rank = 3
    type: Literal["Conv3DTranspose", "Convolution3DTranspose"]
    kernel_size: PositiveSizes3
    strides: PositiveSizes3 = (1, 1, 1)
    output_padding: NonNegativeSizes3 | None = None
    dilation_rate: PositiveSizes3 = (1, 1, 1)
