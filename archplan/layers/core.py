"""Core layer specs: Dense, Flatten, Identity."""

from __future__ import annotations

import math
from typing import Literal

from archplan.layers.args import ActivationName, KernelRegularizer, PositiveInt
from archplan.layers.base import Inference, Layer, register
from archplan.rules.arith import dotted, group
from archplan.rules.costs import pointwise_ops
from archplan.rules.receptive import GLOBAL, POINTWISE
from archplan.rules.shapes import Shape


@register
class Dense(Layer):
    """Fully connected: every unit sees every value of the last axis (per position on rank > 1)."""

    keras_class = "Dense"
    width_argument = "units"
    type: Literal["Dense"]
    units: PositiveInt
    activation: ActivationName = None
    use_bias: bool = True
    kernel_regularizer: KernelRegularizer | None = None

    def infer(self, input_shape: Shape) -> Inference:
        features = input_shape[-1]
        weights = (features + self.use_bias) * self.units
        if self.use_bias:
            formula = f"({features} + 1)·{self.units} = {group(weights)}"
        else:
            formula = f"{features}·{self.units} = {group(weights)}"
        arithmetic = f"{features} → {self.units} units"
        if len(input_shape) > 1:
            arithmetic += f", at each of {dotted(input_shape[:-1])} positions"
        positions = math.prod(input_shape[:-1])
        return Inference(
            output_shape=(*input_shape[:-1], self.units),
            trainable=weights,
            param_formula=formula,
            arithmetic=(arithmetic,),
            macs=features * self.units * positions,
            other_ops=pointwise_ops(
                self.units * positions, bias=self.use_bias, activation=self.activation
            ),
            reach=POINTWISE,  # per position; after Flatten the field is already the whole input
        )

    def describe(self) -> str:
        parts = [f"{self.units} units"]
        if self.activation:
            parts.append(self.activation)
        if not self.use_bias:
            parts.append("no bias")
        if self.kernel_regularizer:
            parts.append(self.kernel_regularizer.describe())
        return ", ".join(parts)


@register
class Flatten(Layer):
    """Lays every value out along one axis, so Dense layers can follow convolutions."""

    keras_class = "Flatten"
    type: Literal["Flatten"]

    def infer(self, input_shape: Shape) -> Inference:
        size = math.prod(input_shape)
        return Inference(
            output_shape=(size,),
            arithmetic=(f"{dotted(input_shape)} = {group(size)}",),
            macs=0,
            reach=GLOBAL,  # positions are gone: what follows sees the whole input
        )


@register
class Identity(Layer):
    """Passes its input on unchanged: a named placeholder, e.g. the shortcut of a residual block."""

    keras_class = "Identity"
    type: Literal["Identity"]

    def infer(self, input_shape: Shape) -> Inference:
        return Inference(output_shape=input_shape, macs=0, reach=POINTWISE)
