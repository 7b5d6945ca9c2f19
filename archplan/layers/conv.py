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

from typing import Literal

from pydantic import model_validator

from archplan.engine.arith import (
    Length,
    conv_length,
    dotted,
    group,
    per_axis,
    product,
    transpose_length,
)
from archplan.engine.costs import pointwise_ops
from archplan.engine.receptive import Spread, windows
from archplan.layers.args import (
    ActivationName,
    KernelRegularizer,
    NonNegativePair,
    Padding,
    Pair,
    PositiveInt,
    PositivePair,
    Shape,
)
from archplan.layers.base import (
    Inference,
    Layer,
    LayerShapeError,
    check_positive,
    register,
    require_rank,
)

RANK_HINT = "add a Reshape or start from an image input"


def _refuse_strides_with_dilation(strides: Pair, dilation_rate: Pair) -> None:
    if max(strides) > 1 and max(dilation_rate) > 1:
        raise ValueError(
            f"strides > 1 cannot be combined with dilation_rate > 1 (Keras refuses it), "
            f"got strides={list(strides)} and dilation_rate={list(dilation_rate)}; "
            "use strides=1 or dilation_rate=1"
        )


def _sliding_outputs(
    layer: str, input_shape: Shape, kernel: Pair, strides: Pair, dilation: Pair, padding: str
) -> tuple[Length, Length]:
    """Output height and width of a window sliding over an image; refuses an empty output."""
    require_rank(input_shape, 3, layer, RANK_HINT)
    out_h, out_w = (
        conv_length(input_shape[axis], kernel[axis], strides[axis], dilation[axis], padding)
        for axis in (0, 1)
    )
    check_positive(out_h.value, out_w.value, per_axis(out_h, out_w))
    return out_h, out_w


def _window_description(
    head: list[str],
    kernel: Pair,
    padding: str,
    strides: Pair,
    dilation: Pair,
    tail: list[str],
) -> list[str]:
    """``['64 filters', '3×3', 'same', 'stride 2×2', ...]``: what shapes a window's output."""
    parts = [*head, "×".join(map(str, kernel)), padding]
    if strides != (1, 1):
        parts.append("stride " + "×".join(map(str, strides)))
    if dilation != (1, 1):
        parts.append("dilation " + "×".join(map(str, dilation)))
    return parts + tail


def _activation_and_bias(activation: str | None, use_bias: bool) -> list[str]:
    return ([activation] if activation else []) + ([] if use_bias else ["no bias"])


@register
class Conv2D(Layer):
    """A 2-D convolution: ``filters`` kernels of ``kernel_size`` slide over height and width.

    With ``groups`` > 1 the channels are split into groups convolved apart: each filter sees
    C/groups input channels, so weights and MACs are divided by ``groups``.
    """

    keras_class = "Conv2D"
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
        height, width, channels = input_shape
        if channels % self.groups:
            raise LayerShapeError(
                f"its {channels} input channels are not divisible by groups={self.groups}; "
                "choose groups that divides the channel count"
            )
        out_h, out_w = _sliding_outputs(
            "Conv2D", input_shape, self.kernel_size, self.strides, self.dilation_rate, self.padding
        )
        kernel = (*self.kernel_size, channels // self.groups)
        weights = (product(kernel) + self.use_bias) * self.filters
        if self.use_bias:
            formula = f"({dotted(kernel)} + 1)·{self.filters} = {group(weights)}"
        else:
            formula = f"{dotted(kernel)}·{self.filters} = {group(weights)}"
        outs = (out_h.value, out_w.value)
        return Inference(
            output_shape=(*outs, self.filters),
            trainable=weights,
            param_formula=formula,
            arithmetic=per_axis(out_h, out_w),
            macs=product(kernel) * self.filters * product(outs),  # per group: C_in/groups deep
            other_ops=pointwise_ops(
                product(outs) * self.filters, bias=self.use_bias, activation=self.activation
            ),
            reach=windows(
                (height, width), outs, self.kernel_size, self.strides, self.dilation_rate,
                self.padding,
            ),
        )  # fmt: skip

    def describe(self) -> str:
        extra = [f"{self.groups} groups"] if self.groups != 1 else []
        extra += _activation_and_bias(self.activation, self.use_bias)
        extra += [self.kernel_regularizer.describe()] if self.kernel_regularizer else []
        return ", ".join(
            _window_description(
                [f"{self.filters} filters"], self.kernel_size, self.padding, self.strides,
                self.dilation_rate, extra,
            )
        )  # fmt: skip


@register
class DepthwiseConv2D(Layer):
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
        out_h, out_w = _sliding_outputs(
            "DepthwiseConv2D", input_shape, self.kernel_size, self.strides, self.dilation_rate,
            self.padding,
        )  # fmt: skip
        height, width, channels = input_shape
        multiplied = (channels, self.depth_multiplier) if self.depth_multiplier > 1 else (channels,)
        out_channels = channels * self.depth_multiplier
        taps = product(self.kernel_size)
        weights = (taps + self.use_bias) * out_channels
        if self.use_bias:
            formula = f"({dotted(self.kernel_size)} + 1)·{dotted(multiplied)} = {group(weights)}"
        else:
            formula = f"{dotted((*self.kernel_size, *multiplied))} = {group(weights)}"
        arithmetic = per_axis(out_h, out_w)
        if self.depth_multiplier > 1:
            arithmetic += (f"channels: {dotted(multiplied)} = {out_channels}",)
        outs = (out_h.value, out_w.value)
        return Inference(
            output_shape=(*outs, out_channels),
            trainable=weights,
            param_formula=formula,
            arithmetic=arithmetic,
            macs=taps * out_channels * product(outs),
            other_ops=pointwise_ops(
                product(outs) * out_channels, bias=self.use_bias, activation=self.activation
            ),
            reach=windows(
                (height, width), outs, self.kernel_size, self.strides, self.dilation_rate,
                self.padding,
            ),
        )  # fmt: skip

    def describe(self) -> str:
        multiplier = [f"depth ×{self.depth_multiplier}"] if self.depth_multiplier != 1 else []
        return ", ".join(
            _window_description(
                [], self.kernel_size, self.padding, self.strides, self.dilation_rate,
                multiplier + _activation_and_bias(self.activation, self.use_bias),
            )
        )  # fmt: skip


@register
class SeparableConv2D(Layer):
    """A depthwise convolution (``depth_multiplier`` kernels per channel), then a 1×1 convolution
    to ``filters`` channels: far fewer weights and MACs than a Conv2D of the same kernel."""

    keras_class = "SeparableConv2D"
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
        out_h, out_w = _sliding_outputs(
            "SeparableConv2D", input_shape, self.kernel_size, self.strides, self.dilation_rate,
            self.padding,
        )  # fmt: skip
        height, width, channels = input_shape
        multiplied = (channels, self.depth_multiplier) if self.depth_multiplier > 1 else (channels,)
        depthwise = product(self.kernel_size) * product(multiplied)
        pointwise = product(multiplied) * self.filters
        weights = depthwise + pointwise + self.filters * self.use_bias
        terms = [dotted((*self.kernel_size, *multiplied)), dotted((*multiplied, self.filters))]
        terms += [str(self.filters)] if self.use_bias else []
        outs = (out_h.value, out_w.value)
        return Inference(
            output_shape=(*outs, self.filters),
            trainable=weights,
            param_formula=f"{' + '.join(terms)} = {group(weights)}",
            arithmetic=per_axis(out_h, out_w),
            macs=(depthwise + pointwise) * product(outs),
            other_ops=pointwise_ops(
                product(outs) * self.filters, bias=self.use_bias, activation=self.activation
            ),
            reach=windows(
                (height, width), outs, self.kernel_size, self.strides, self.dilation_rate,
                self.padding,
            ),
        )  # fmt: skip

    def describe(self) -> str:
        extra = [f"depth ×{self.depth_multiplier}"] if self.depth_multiplier != 1 else []
        extra += _activation_and_bias(self.activation, self.use_bias)
        return ", ".join(
            _window_description(
                [f"{self.filters} filters"], self.kernel_size, self.padding, self.strides,
                self.dilation_rate, extra,
            )
        )  # fmt: skip


@register
class Conv2DTranspose(Layer):
    """A transposed ("fractionally strided") convolution: each input value spreads a kernel over
    the output, ``strides`` apart, so the output grows (a learned upsampling, as in decoders)."""

    keras_class = "Conv2DTranspose"
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
        check_positive(out_h.value, out_w.value, per_axis(out_h, out_w))
        kernel = (*self.kernel_size, channels)
        weights = (product(kernel) + self.use_bias) * self.filters
        if self.use_bias:
            formula = f"({dotted(kernel)} + 1)·{self.filters} = {group(weights)}"
        else:
            formula = f"{dotted(kernel)}·{self.filters} = {group(weights)}"
        outs = (out_h.value, out_w.value)
        return Inference(
            output_shape=(*outs, self.filters),
            trainable=weights,
            param_formula=formula,
            arithmetic=per_axis(out_h, out_w),
            macs=product(kernel) * self.filters * height * width,  # every input value, every tap
            other_ops=pointwise_ops(
                product(outs) * self.filters, bias=self.use_bias, activation=self.activation
            ),
            reach=(self._spread(0), self._spread(1)),
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
            extra.append("output padding " + "×".join(map(str, self.output_padding)))
        return ", ".join(
            _window_description(
                [f"{self.filters} filters"], self.kernel_size, self.padding, self.strides,
                self.dilation_rate, extra + _activation_and_bias(self.activation, self.use_bias),
            )
        )  # fmt: skip
