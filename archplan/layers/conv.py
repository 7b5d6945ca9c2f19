"""Convolution layer specs."""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from archplan.engine.arith import conv_length, dotted, group, per_axis, product
from archplan.engine.costs import pointwise_ops
from archplan.engine.receptive import windows
from archplan.layers.args import ActivationName, Padding, PositiveInt, PositivePair, Shape
from archplan.layers.base import (
    Inference,
    Layer,
    LayerShapeError,
    check_positive,
    register,
    require_rank,
)


@register
class Conv2D(Layer):
    """A 2-D convolution: ``filters`` kernels of ``kernel_size`` slide over height and width."""

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

    @model_validator(mode="after")
    def _keras_argument_rules(self) -> Conv2D:
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"strides > 1 cannot be combined with dilation_rate > 1 (Keras refuses it), "
                f"got strides={list(self.strides)} and dilation_rate={list(self.dilation_rate)}; "
                "use strides=1 or dilation_rate=1"
            )
        if self.filters % self.groups:
            raise ValueError(
                f"filters ({self.filters}) must be divisible by groups ({self.groups})"
            )
        return self

    def infer(self, input_shape: Shape) -> Inference:
        require_rank(input_shape, 3, "Conv2D", "add a Reshape or start from an image input")
        height, width, channels = input_shape
        if channels % self.groups:
            raise LayerShapeError(
                f"its {channels} input channels are not divisible by groups={self.groups}; "
                "choose groups that divides the channel count"
            )
        out_h = conv_length(height, self.kernel_size[0], self.strides[0], self.dilation_rate[0], self.padding)
        out_w = conv_length(width, self.kernel_size[1], self.strides[1], self.dilation_rate[1], self.padding)
        check_positive(out_h.value, out_w.value, per_axis(out_h, out_w))
        kernel = (*self.kernel_size, channels // self.groups)
        weights = (self.kernel_size[0] * self.kernel_size[1] * kernel[2] + self.use_bias) * self.filters
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
        )

    def describe(self) -> str:
        parts = [f"{self.filters} filters", "×".join(map(str, self.kernel_size)), self.padding]
        if self.strides != (1, 1):
            parts.append("stride " + "×".join(map(str, self.strides)))
        if self.dilation_rate != (1, 1):
            parts.append("dilation " + "×".join(map(str, self.dilation_rate)))
        if self.groups != 1:
            parts.append(f"{self.groups} groups")
        if self.activation:
            parts.append(self.activation)
        if not self.use_bias:
            parts.append("no bias")
        return ", ".join(parts)

