"""Convolution layer specs, for 1, 2 and 3 spatial axes: Conv (grouped too), DepthwiseConv,
SeparableConv, ConvTranspose.

One class per Keras family holds the rules for every rank; ``Conv1D``, ``Conv2D`` and ``Conv3D``
are thin subclasses that set the number of spatial axes and the sizes of their arguments, as
Keras' own ``conv1d.py`` ... ``conv3d.py`` subclass its ``BaseConv``.

Parameters, as Keras allocates them (C: input channels, ∏k: the kernel's taps over its axes):

- Conv: ``(∏k·C/groups + 1)·filters`` (each group's kernels see C/groups channels);
- DepthwiseConv: ``(∏k + 1)·C·depth_multiplier`` (one kernel per channel, per multiplier);
- SeparableConv: ``∏k·C·m + C·m·filters + filters`` (depthwise, then a pointwise convolution);
- ConvTranspose: ``(∏k·C + 1)·filters``;

each ``+ 1`` / ``+ filters`` being the bias, absent with ``use_bias=false``. A convolution's
``kernel_regularizer`` (an L1/L2 penalty on the loss) adds no parameters.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Literal, Protocol

from pydantic import model_validator

from archplan.layers.args import (
    ActivationName,
    DataFormat,
    KernelRegularizer,
    NonNegativePair,
    Padding,
    PositiveInt,
    PositivePair,
    Regularizer,
)
from archplan.layers.base import (
    Inference,
    LayerShapeError,
    SlidingWindowLayer,
    SpatialLayer,
    check_positive,
    register,
)
from archplan.rules.arith import Length, conv_length, dotted, group, length_lines, transpose_length
from archplan.rules.costs import pointwise_ops
from archplan.rules.receptive import Reach, Spread, Window, windows
from archplan.rules.shapes import Shape


def _refuse_strides_with_dilation(strides: tuple[int, ...], dilation_rate: tuple[int, ...]) -> None:
    if max(strides) > 1 and max(dilation_rate) > 1:
        raise ValueError(
            f"strides > 1 cannot be combined with dilation_rate > 1 (Keras refuses it), "
            f"got strides={list(strides)} and dilation_rate={list(dilation_rate)}; "
            "use strides=1 or dilation_rate=1"
        )


class ConvArguments(Protocol):
    """The arguments every convolution here shares, as Keras' base convolution holds them."""

    @property
    def kernel_size(self) -> tuple[int, ...]: ...
    @property
    def strides(self) -> tuple[int, ...]: ...
    @property
    def padding(self) -> str: ...
    @property
    def dilation_rate(self) -> tuple[int, ...]: ...
    @property
    def activation(self) -> str | None: ...
    @property
    def use_bias(self) -> bool: ...


class _Convolution(SlidingWindowLayer):
    """A convolution whose window steps by its ``strides`` over ``spatial_rank`` axes (each
    Keras class declares the sizes of its arguments; the rules are the same for every rank)."""

    if TYPE_CHECKING:
        kernel_size: tuple[int, ...]
        strides: tuple[int, ...]
        dilation_rate: tuple[int, ...]
        padding: str
        activation: str | None
        use_bias: bool

    def window_strides(self) -> tuple[int, ...]:
        return self.strides

    def sliding_outputs(self, input_shape: Shape) -> tuple[Shape, int, tuple[Length, ...]]:
        """The input's spatial sizes and channels, and the output length along each axis;
        refuses an empty output. ``causal`` (Conv1D) keeps ``⌈D / s⌉`` as ``same`` does."""
        sizes, channels = self.split(input_shape)
        padding = "same" if self.padding == "causal" else self.padding
        outs = tuple(
            conv_length(size, kernel, stride, dilation, padding)
            for size, kernel, stride, dilation in zip(
                sizes, self.kernel_size, self.strides, self.dilation_rate, strict=True
            )
        )
        if self.padding == "causal":
            outs = tuple(Length(out.value, out.text.replace("same", "causal")) for out in outs)
        check_positive(tuple(out.value for out in outs), length_lines(*outs))
        return sizes, channels, outs

    def window_reach(self, sizes: Shape, outs: Shape) -> Reach | None:
        """Plain windows along each axis; ``causal`` pads ``d·(k − 1)`` before the input."""
        if self.padding == "causal":
            reach = tuple(
                Window(kernel, stride, dilation, pad_before=dilation * (kernel - 1))
                for kernel, stride, dilation in zip(
                    self.kernel_size, self.strides, self.dilation_rate, strict=True
                )
            )
        else:
            reach = windows(
                sizes, outs, self.kernel_size, self.strides, self.dilation_rate, self.padding
            )
        return self.spatial_reach(reach)

    def window_inference(
        self,
        sizes: Shape,
        outs: tuple[Length, ...],
        channels: int,
        *,
        weights: tuple[int, str],
        macs: int,
        arithmetic: tuple[str, ...] | None = None,
        reach: Reach | Literal[False] | None = False,
    ) -> Inference:
        """The output ``(*outs, channels)`` with its ``weights`` (count, formula) and ``macs``; by
        default the arithmetic is the per-axis lengths and the reach plain windows."""
        lengths = tuple(out.value for out in outs)
        return Inference(
            output_shape=self.join(lengths, channels),
            trainable=weights[0],
            param_formula=weights[1],
            arithmetic=length_lines(*outs) if arithmetic is None else arithmetic,
            macs=macs,
            other_ops=pointwise_ops(
                math.prod(lengths) * channels, bias=self.use_bias, activation=self.activation
            ),
            reach=self.window_reach(sizes, lengths) if reach is False else reach,
        )


def _kernel_weights(kernel: Shape, filters: int, use_bias: bool) -> tuple[int, str]:
    """Weights of ``filters`` kernels of shape ``kernel`` (plus a bias each), and the formula."""
    weights = (math.prod(kernel) + use_bias) * filters
    if use_bias:
        return weights, f"({dotted(kernel)} + 1)·{filters} = {group(weights)}"
    return weights, f"{dotted(kernel)}·{filters} = {group(weights)}"


def _sizes_text(sizes: tuple[int, ...]) -> str:
    return "×".join(map(str, sizes))


def _window_description(
    conv: ConvArguments, head: list[str], extra: list[str], penalty: Regularizer | None = None
) -> str:
    """``'64 filters, 3×3, same, stride 2×2, relu, L2 0.0005'``: what shapes a window's output
    and what acts on it, briefly."""
    ones = (1,) * len(conv.strides)
    parts = [*head, _sizes_text(conv.kernel_size), conv.padding]
    if conv.strides != ones:
        parts.append("stride " + _sizes_text(conv.strides))
    if conv.dilation_rate != ones:
        parts.append("dilation " + _sizes_text(conv.dilation_rate))
    parts += extra
    parts += [conv.activation] if conv.activation else []
    parts += [] if conv.use_bias else ["no bias"]
    parts += [penalty.describe()] if penalty else []
    parts += ["channels first"] if getattr(conv, "data_format", None) == "channels_first" else []
    return ", ".join(parts)


class _Conv(_Convolution):
    """Keras' ``BaseConv``: ``filters`` kernels of ``kernel_size`` slide over the spatial axes.

    With ``groups`` > 1 the channels are split into groups convolved apart: each filter sees
    C/groups input channels, so weights and MACs are divided by ``groups``.
    """

    width_argument = "filters"
    filters: PositiveInt
    kernel_size: tuple[int, ...]
    strides: tuple[int, ...]
    padding: Padding = "valid"
    data_format: DataFormat = "channels_last"
    dilation_rate: tuple[int, ...]
    groups: PositiveInt = 1
    activation: ActivationName = None
    use_bias: bool = True
    kernel_regularizer: KernelRegularizer | None = None

    @model_validator(mode="after")
    def _keras_argument_rules(self) -> _Conv:
        _refuse_strides_with_dilation(self.strides, self.dilation_rate)
        if self.filters % self.groups:
            raise ValueError(
                f"filters ({self.filters}) must be divisible by groups ({self.groups})"
            )
        return self

    def infer(self, input_shape: Shape) -> Inference:
        sizes, channels = self.split(input_shape)
        if channels % self.groups:
            raise LayerShapeError(
                f"its {channels} input channels are not divisible by groups={self.groups}; "
                "choose groups that divides the channel count"
            )
        sizes, channels, outs = self.sliding_outputs(input_shape)
        kernel = (*self.kernel_size, channels // self.groups)
        positions = math.prod(out.value for out in outs)
        return self.window_inference(
            sizes, outs, self.filters,
            weights=_kernel_weights(kernel, self.filters, self.use_bias),
            macs=math.prod(kernel) * self.filters * positions,  # C/groups deep
        )  # fmt: skip

    def describe(self) -> str:
        extra = [f"{self.groups} groups"] if self.groups != 1 else []
        return _window_description(
            self, [f"{self.filters} filters"], extra, self.kernel_regularizer
        )


@register
class Conv2D(_Conv):
    """A 2-D convolution: ``filters`` kernels of ``kernel_size`` slide over height and width."""

    keras_class = "Conv2D"
    type: Literal["Conv2D", "Convolution2D"]
    kernel_size: PositivePair
    strides: PositivePair = (1, 1)
    dilation_rate: PositivePair = (1, 1)


class _DepthwiseConv(_Convolution):
    """One kernel per input channel (``depth_multiplier`` of them): no mixing across channels.

    Keras 3 accepts strides > 1 together with dilation_rate > 1 here (unlike Conv2D).
    """

    kernel_size: tuple[int, ...]
    strides: tuple[int, ...]
    padding: Padding = "valid"
    depth_multiplier: PositiveInt = 1
    data_format: DataFormat = "channels_last"
    dilation_rate: tuple[int, ...]
    activation: ActivationName = None
    use_bias: bool = True

    def infer(self, input_shape: Shape) -> Inference:
        sizes, channels, outs = self.sliding_outputs(input_shape)
        multiplied = (channels, self.depth_multiplier) if self.depth_multiplier > 1 else (channels,)
        out_channels = channels * self.depth_multiplier
        taps = math.prod(self.kernel_size)
        weights = (taps + self.use_bias) * out_channels
        if self.use_bias:
            formula = f"({dotted(self.kernel_size)} + 1)·{dotted(multiplied)} = {group(weights)}"
        else:
            formula = f"{dotted((*self.kernel_size, *multiplied))} = {group(weights)}"
        arithmetic = length_lines(*outs)
        if self.depth_multiplier > 1:
            arithmetic += (f"channels: {dotted(multiplied)} = {out_channels}",)
        return self.window_inference(
            sizes, outs, out_channels,
            weights=(weights, formula),
            arithmetic=arithmetic,
            macs=taps * out_channels * math.prod(out.value for out in outs),
        )  # fmt: skip

    def describe(self) -> str:
        multiplier = [f"depth ×{self.depth_multiplier}"] if self.depth_multiplier != 1 else []
        return _window_description(self, [], multiplier)


@register
class DepthwiseConv2D(_DepthwiseConv):
    """A depthwise convolution over height and width: one kernel per channel."""

    keras_class = "DepthwiseConv2D"
    type: Literal["DepthwiseConv2D"]
    kernel_size: PositivePair
    strides: PositivePair = (1, 1)
    dilation_rate: PositivePair = (1, 1)


class _SeparableConv(_Convolution):
    """A depthwise convolution (``depth_multiplier`` kernels per channel), then a pointwise (size
    1) convolution to ``filters`` channels: far fewer weights and MACs than a full convolution."""

    width_argument = "filters"
    filters: PositiveInt
    kernel_size: tuple[int, ...]
    strides: tuple[int, ...]
    padding: Padding = "valid"
    data_format: DataFormat = "channels_last"
    dilation_rate: tuple[int, ...]
    depth_multiplier: PositiveInt = 1
    activation: ActivationName = None
    use_bias: bool = True

    def infer(self, input_shape: Shape) -> Inference:
        sizes, channels, outs = self.sliding_outputs(input_shape)
        multiplied = (channels, self.depth_multiplier) if self.depth_multiplier > 1 else (channels,)
        depthwise = math.prod(self.kernel_size) * math.prod(multiplied)
        pointwise = math.prod(multiplied) * self.filters
        weights = depthwise + pointwise + self.filters * self.use_bias
        terms = [dotted((*self.kernel_size, *multiplied)), dotted((*multiplied, self.filters))]
        terms += [str(self.filters)] if self.use_bias else []
        return self.window_inference(
            sizes, outs, self.filters,
            weights=(weights, f"{' + '.join(terms)} = {group(weights)}"),
            macs=(depthwise + pointwise) * math.prod(out.value for out in outs),
        )  # fmt: skip

    def describe(self) -> str:
        multiplier = [f"depth ×{self.depth_multiplier}"] if self.depth_multiplier != 1 else []
        return _window_description(self, [f"{self.filters} filters"], multiplier)


@register
class SeparableConv2D(_SeparableConv):
    """A separable convolution over height and width (Xception's, MobileNet's building block)."""

    keras_class = "SeparableConv2D"
    type: Literal["SeparableConv2D", "SeparableConvolution2D"]
    kernel_size: PositivePair
    strides: PositivePair = (1, 1)
    dilation_rate: PositivePair = (1, 1)


class _ConvTranspose(SpatialLayer):
    """A transposed ("fractionally strided") convolution: each input value spreads a kernel over
    the output, ``strides`` apart, so the output grows (a learned upsampling, as in decoders)."""

    width_argument = "filters"
    filters: PositiveInt
    kernel_size: tuple[int, ...]
    strides: tuple[int, ...]
    padding: Padding = "valid"
    output_padding: tuple[int, ...] | None = None
    data_format: DataFormat = "channels_last"
    dilation_rate: tuple[int, ...]
    activation: ActivationName = None
    use_bias: bool = True

    @model_validator(mode="after")
    def _keras_argument_rules(self) -> _ConvTranspose:
        if self.output_padding is not None:
            for axis, (extra, stride) in enumerate(
                zip(self.output_padding, self.strides, strict=True)
            ):
                if extra >= stride:
                    raise ValueError(
                        f"output_padding must be smaller than strides on every axis (Keras "
                        f"refuses it), got output_padding={list(self.output_padding)} and "
                        f"strides={list(self.strides)} (axis {axis}); use output_padding < strides"
                    )
        _refuse_strides_with_dilation(self.strides, self.dilation_rate)
        self._refuse_what_tensorflow_cannot_run()
        return self

    def _refuse_what_tensorflow_cannot_run(self) -> None:
        """'same' with output_padding 0 and an even kernel span asks TensorFlow for an output
        one row short of what its gradient-of-convolution kernel computes: Keras builds the
        layer, and the first call fails."""
        if self.padding != "same" or self.output_padding is None:
            return
        for axis, extra in enumerate(self.output_padding):
            if extra == 0 and self.spans[axis] % 2 == 0:
                raise ValueError(
                    f"padding='same' with output_padding 0 and an even kernel span "
                    f"({self.spans[axis]}, axis {axis}) gives an output TensorFlow cannot compute "
                    "(Keras builds it, the first call fails); use output_padding=1 (if strides "
                    "allow), an odd kernel_size, or leave output_padding unset"
                )

    @property
    def spans(self) -> tuple[int, ...]:
        """Input positions one kernel covers per axis: ``d·(k − 1) + 1``."""
        return tuple(
            d * (k - 1) + 1 for k, d in zip(self.kernel_size, self.dilation_rate, strict=True)
        )

    def infer(self, input_shape: Shape) -> Inference:
        sizes, channels = self.split(input_shape)
        padding = self.output_padding or (None,) * self.spatial_rank
        outs = tuple(
            transpose_length(
                sizes[axis], self.kernel_size[axis], self.strides[axis],
                self.dilation_rate[axis], self.padding, padding[axis],
            )
            for axis in range(self.spatial_rank)
        )  # fmt: skip
        lengths = tuple(out.value for out in outs)
        check_positive(lengths, length_lines(*outs))
        kernel = (*self.kernel_size, channels)
        return Inference(
            output_shape=self.join(lengths, self.filters),
            trainable=_kernel_weights(kernel, self.filters, self.use_bias)[0],
            param_formula=_kernel_weights(kernel, self.filters, self.use_bias)[1],
            arithmetic=length_lines(*outs),
            macs=math.prod(kernel) * self.filters * math.prod(sizes),  # every input, every tap
            other_ops=pointwise_ops(
                math.prod(lengths) * self.filters, bias=self.use_bias, activation=self.activation
            ),
            reach=self.spatial_reach(tuple(self._spread(a) for a in range(self.spatial_rank))),
        )

    def _spread(self, axis: int) -> Spread:
        """Output unit ``o`` reads the input units ``i`` with ``i·s ≤ o + crop ≤ i·s + K − 1``
        (``crop``: the rows 'same' trims before the output, as TensorFlow places them)."""
        span, stride = self.spans[axis], self.strides[axis]
        crop = 0
        if self.padding == "same":
            extra = self.output_padding[axis] if self.output_padding is not None else None
            trimmed = span - stride if extra is None else span - span % 2 - extra
            crop = max(trimmed, 0) // 2
        return Spread(
            factor=stride, taps=(span - 1) // stride + 1, offset=(crop - (span - 1) / 2) / stride
        )

    def describe(self) -> str:
        extra = []
        if self.output_padding is not None:
            extra.append("output padding " + _sizes_text(self.output_padding))
        return _window_description(self, [f"{self.filters} filters"], extra)


@register
class Conv2DTranspose(_ConvTranspose):
    """A transposed convolution over height and width (decoders, U-Nets, GANs)."""

    keras_class = "Conv2DTranspose"
    type: Literal["Conv2DTranspose", "Convolution2DTranspose"]
    kernel_size: PositivePair
    strides: PositivePair = (1, 1)
    output_padding: NonNegativePair | None = None
    dilation_rate: PositivePair = (1, 1)
