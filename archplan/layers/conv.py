"""Convolution layer specs: Conv2D (grouped too), DepthwiseConv2D, SeparableConv2D, Conv2DTranspose.

Parameters, as Keras allocates them (C: input channels, k_h·k_w: the kernel):

- Conv2D: ``(k_h·k_w·C/groups + 1)·filters`` (each group's kernels see C/groups channels);
- DepthwiseConv2D: ``(k_h·k_w + 1)·C·depth_multiplier`` (one kernel per channel, per multiplier);
- SeparableConv2D: ``k_h·k_w·C·m + C·m·filters + filters`` (depthwise, then a 1×1 pointwise);
- Conv2DTranspose: ``(k_h·k_w·C + 1)·filters``;

each ``+ 1`` / ``+ filters`` being the bias, absent with ``use_bias=false``. A Conv2D's
``kernel_regularizer`` (an L1/L2 penalty on the loss) adds no parameters.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Literal, Protocol

from pydantic import model_validator

from archplan.layers.args import (
    ActivationName,
    KernelRegularizer,
    NonNegativePair,
    Padding,
    PositiveInt,
    PositivePair,
    Regularizer,
)
from archplan.layers.base import (
    Inference,
    Layer,
    LayerShapeError,
    SlidingWindowLayer,
    check_positive,
    register,
    require_rank,
)
from archplan.rules.arith import Length, conv_length, dotted, group, length_lines, transpose_length
from archplan.rules.costs import pointwise_ops
from archplan.rules.receptive import Reach, Spread, windows
from archplan.rules.shapes import Pair, Shape

RANK_HINT = "add a Reshape or start from an image input"


def _refuse_strides_with_dilation(strides: Pair, dilation_rate: Pair) -> None:
    if max(strides) > 1 and max(dilation_rate) > 1:
        raise ValueError(
            f"strides > 1 cannot be combined with dilation_rate > 1 (Keras refuses it), "
            f"got strides={list(strides)} and dilation_rate={list(dilation_rate)}; "
            "use strides=1 or dilation_rate=1"
        )


class ConvArguments(Protocol):
    """The arguments every convolution here shares, as Keras' base convolution holds them."""

    @property
    def kernel_size(self) -> Pair: ...
    @property
    def strides(self) -> Pair: ...
    @property
    def padding(self) -> str: ...
    @property
    def dilation_rate(self) -> Pair: ...
    @property
    def activation(self) -> str | None: ...
    @property
    def use_bias(self) -> bool: ...


def _sliding_outputs(layer: str, conv: ConvArguments, input_shape: Shape) -> tuple[Length, Length]:
    """Output height and width of a window sliding over an image; refuses an empty output."""
    require_rank(input_shape, 3, layer, RANK_HINT)
    out_h, out_w = (
        conv_length(
            input_shape[axis], conv.kernel_size[axis], conv.strides[axis],
            conv.dilation_rate[axis], conv.padding,
        )
        for axis in (0, 1)
    )  # fmt: skip
    check_positive(out_h.value, out_w.value, length_lines(out_h, out_w))
    return out_h, out_w


def _kernel_weights(kernel: Shape, filters: int, use_bias: bool) -> tuple[int, str]:
    """Weights of ``filters`` kernels of shape ``kernel`` (plus a bias each), and the formula."""
    weights = (math.prod(kernel) + use_bias) * filters
    if use_bias:
        return weights, f"({dotted(kernel)} + 1)·{filters} = {group(weights)}"
    return weights, f"{dotted(kernel)}·{filters} = {group(weights)}"


def _window_inference(
    conv: ConvArguments,
    input_shape: Shape,
    outs: tuple[Length, Length],
    channels: int,
    *,
    weights: tuple[int, str],
    macs: int,
    arithmetic: tuple[str, ...] | None = None,
    reach: Reach | None = None,
) -> Inference:
    """A convolution's output ``(out_h, out_w, channels)`` with its ``weights`` (count, formula)
    and ``macs``; by default the arithmetic is the per-axis lengths and the reach plain windows."""
    out_h, out_w = outs
    sizes = (out_h.value, out_w.value)
    if reach is None:
        reach = windows(
            input_shape[:2], sizes, conv.kernel_size, conv.strides, conv.dilation_rate, conv.padding
        )
    return Inference(
        output_shape=(*sizes, channels),
        trainable=weights[0],
        param_formula=weights[1],
        arithmetic=length_lines(out_h, out_w) if arithmetic is None else arithmetic,
        macs=macs,
        other_ops=pointwise_ops(
            math.prod(sizes) * channels, bias=conv.use_bias, activation=conv.activation
        ),
        reach=reach,
    )


def _window_description(
    conv: ConvArguments, head: list[str], extra: list[str], penalty: Regularizer | None = None
) -> str:
    """``'64 filters, 3×3, same, stride 2×2, relu, L2 0.0005'``: what shapes a window's output
    and what acts on it, briefly."""
    parts = [*head, "×".join(map(str, conv.kernel_size)), conv.padding]
    if conv.strides != (1, 1):
        parts.append("stride " + "×".join(map(str, conv.strides)))
    if conv.dilation_rate != (1, 1):
        parts.append("dilation " + "×".join(map(str, conv.dilation_rate)))
    parts += extra
    parts += [conv.activation] if conv.activation else []
    parts += [] if conv.use_bias else ["no bias"]
    parts += [penalty.describe()] if penalty else []
    return ", ".join(parts)


class _Convolution(SlidingWindowLayer):
    """A convolution whose window steps by its ``strides`` (each subclass declares its fields)."""

    if TYPE_CHECKING:
        strides: Pair

    def window_strides(self) -> Pair:
        return self.strides


@register
class Conv2D(_Convolution):
    """A 2-D convolution: ``filters`` kernels of ``kernel_size`` slide over height and width.

    With ``groups`` > 1 the channels are split into groups convolved apart: each filter sees
    C/groups input channels, so weights and MACs are divided by ``groups``.
    """

    keras_class = "Conv2D"
    width_argument = "filters"
    type: Literal["Conv2D", "Convolution2D"]
    filters: PositiveInt
    kernel_size: PositivePair
    strides: PositivePair = (1, 1)
    padding: Padding = "valid"
    dilation_rate: PositivePair = (1, 1)
    groups: PositiveInt = 1
    activation: ActivationName = None
    use_bias: bool = True
    kernel_regularizer: KernelRegularizer | None = None

    @model_validator(mode="after")
    def _keras_argument_rules(self) -> Conv2D:
        _refuse_strides_with_dilation(self.strides, self.dilation_rate)
        if self.filters % self.groups:
            raise ValueError(
                f"filters ({self.filters}) must be divisible by groups ({self.groups})"
            )
        return self

    def infer(self, input_shape: Shape) -> Inference:
        require_rank(input_shape, 3, "Conv2D", RANK_HINT)
        channels = input_shape[2]
        if channels % self.groups:
            raise LayerShapeError(
                f"its {channels} input channels are not divisible by groups={self.groups}; "
                "choose groups that divides the channel count"
            )
        outs = _sliding_outputs("Conv2D", self, input_shape)
        kernel = (*self.kernel_size, channels // self.groups)
        return _window_inference(
            self, input_shape, outs, self.filters,
            weights=_kernel_weights(kernel, self.filters, self.use_bias),
            macs=math.prod(kernel) * self.filters * outs[0].value * outs[1].value,  # C/groups deep
        )  # fmt: skip

    def describe(self) -> str:
        extra = [f"{self.groups} groups"] if self.groups != 1 else []
        return _window_description(
            self, [f"{self.filters} filters"], extra, self.kernel_regularizer
        )


@register
class DepthwiseConv2D(_Convolution):
    """One kernel per input channel (``depth_multiplier`` of them): no mixing across channels.

    Keras 3 accepts strides > 1 together with dilation_rate > 1 here (unlike Conv2D).
    """

    keras_class = "DepthwiseConv2D"
    type: Literal["DepthwiseConv2D"]
    kernel_size: PositivePair
    strides: PositivePair = (1, 1)
    padding: Padding = "valid"
    depth_multiplier: PositiveInt = 1
    dilation_rate: PositivePair = (1, 1)
    activation: ActivationName = None
    use_bias: bool = True

    def infer(self, input_shape: Shape) -> Inference:
        out_h, out_w = _sliding_outputs("DepthwiseConv2D", self, input_shape)
        channels = input_shape[2]
        multiplied = (channels, self.depth_multiplier) if self.depth_multiplier > 1 else (channels,)
        out_channels = channels * self.depth_multiplier
        taps = math.prod(self.kernel_size)
        weights = (taps + self.use_bias) * out_channels
        if self.use_bias:
            formula = f"({dotted(self.kernel_size)} + 1)·{dotted(multiplied)} = {group(weights)}"
        else:
            formula = f"{dotted((*self.kernel_size, *multiplied))} = {group(weights)}"
        arithmetic = length_lines(out_h, out_w)
        if self.depth_multiplier > 1:
            arithmetic += (f"channels: {dotted(multiplied)} = {out_channels}",)
        return _window_inference(
            self, input_shape, (out_h, out_w), out_channels,
            weights=(weights, formula),
            arithmetic=arithmetic,
            macs=taps * out_channels * out_h.value * out_w.value,
        )  # fmt: skip

    def describe(self) -> str:
        multiplier = [f"depth ×{self.depth_multiplier}"] if self.depth_multiplier != 1 else []
        return _window_description(self, [], multiplier)


@register
class SeparableConv2D(_Convolution):
    """A depthwise convolution (``depth_multiplier`` kernels per channel), then a 1×1 convolution
    to ``filters`` channels: far fewer weights and MACs than a Conv2D of the same kernel."""

    keras_class = "SeparableConv2D"
    width_argument = "filters"
    type: Literal["SeparableConv2D", "SeparableConvolution2D"]
    filters: PositiveInt
    kernel_size: PositivePair
    strides: PositivePair = (1, 1)
    padding: Padding = "valid"
    dilation_rate: PositivePair = (1, 1)
    depth_multiplier: PositiveInt = 1
    activation: ActivationName = None
    use_bias: bool = True

    def infer(self, input_shape: Shape) -> Inference:
        out_h, out_w = _sliding_outputs("SeparableConv2D", self, input_shape)
        channels = input_shape[2]
        multiplied = (channels, self.depth_multiplier) if self.depth_multiplier > 1 else (channels,)
        depthwise = math.prod(self.kernel_size) * math.prod(multiplied)
        pointwise = math.prod(multiplied) * self.filters
        weights = depthwise + pointwise + self.filters * self.use_bias
        terms = [dotted((*self.kernel_size, *multiplied)), dotted((*multiplied, self.filters))]
        terms += [str(self.filters)] if self.use_bias else []
        return _window_inference(
            self, input_shape, (out_h, out_w), self.filters,
            weights=(weights, f"{' + '.join(terms)} = {group(weights)}"),
            macs=(depthwise + pointwise) * out_h.value * out_w.value,
        )  # fmt: skip

    def describe(self) -> str:
        multiplier = [f"depth ×{self.depth_multiplier}"] if self.depth_multiplier != 1 else []
        return _window_description(self, [f"{self.filters} filters"], multiplier)


@register
class Conv2DTranspose(Layer):
    """A transposed ("fractionally strided") convolution: each input value spreads a kernel over
    the output, ``strides`` apart, so the output grows (a learned upsampling, as in decoders)."""

    keras_class = "Conv2DTranspose"
    width_argument = "filters"
    type: Literal["Conv2DTranspose", "Convolution2DTranspose"]
    filters: PositiveInt
    kernel_size: PositivePair
    strides: PositivePair = (1, 1)
    padding: Padding = "valid"
    output_padding: NonNegativePair | None = None
    dilation_rate: PositivePair = (1, 1)
    activation: ActivationName = None
    use_bias: bool = True

    @model_validator(mode="after")
    def _keras_argument_rules(self) -> Conv2DTranspose:
        if self.output_padding is not None:
            for axis in (0, 1):
                if self.output_padding[axis] >= self.strides[axis]:
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
    def spans(self) -> Pair:
        """Input positions one kernel covers per axis: ``d·(k − 1) + 1``."""
        k_h, k_w = self.kernel_size
        d_h, d_w = self.dilation_rate
        return (d_h * (k_h - 1) + 1, d_w * (k_w - 1) + 1)

    def infer(self, input_shape: Shape) -> Inference:
        require_rank(input_shape, 3, "Conv2DTranspose", RANK_HINT)
        height, width, channels = input_shape
        padding = self.output_padding or (None, None)
        out_h, out_w = (
            transpose_length(
                input_shape[axis], self.kernel_size[axis], self.strides[axis],
                self.dilation_rate[axis], self.padding, padding[axis],
            )
            for axis in (0, 1)
        )  # fmt: skip
        check_positive(out_h.value, out_w.value, length_lines(out_h, out_w))
        kernel = (*self.kernel_size, channels)
        return _window_inference(
            self, input_shape, (out_h, out_w), self.filters,
            weights=_kernel_weights(kernel, self.filters, self.use_bias),
            macs=math.prod(kernel) * self.filters * height * width,  # every input value, every tap
            reach=(self._spread(0), self._spread(1)),
        )  # fmt: skip

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
            extra.append("output padding " + "×".join(map(str, self.output_padding)))
        return _window_description(self, [f"{self.filters} filters"], extra)
