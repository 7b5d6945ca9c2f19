"""Sequence and attention layer specs: Embedding and MultiHeadAttention.

MultiHeadAttention's weights, as Keras' einsum dense layers allocate them (H heads, d_k = key_dim,
d_v = value_dim, C_q, C_k, C_v the last axes of query, key and value, O the output's last axes):

- query: ``C_q·H·d_k + H·d_k``; key: ``C_k·H·d_k + H·d_k``; value: ``C_v·H·d_v + H·d_v``;
- output: ``H·d_v·O + O``; the biases absent with ``use_bias=false``.

Its MACs, per sample, with N_q and N_k the positions along the attention axes of query and key
(their product over ``attention_axes``) and B the positions along the other axes:

- the projections: ``B·N_q·C_q·H·d_k + B·N_k·(C_k·H·d_k + C_v·H·d_v)``;
- the scores Q·Kᵀ: ``B·H·N_q·N_k·d_k``, and the weighted sum of the values: ``B·H·N_q·N_k·d_v``
  (both quadratic in the sequence's length);
- the output projection: ``B·N_q·H·d_v·O``.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BeforeValidator, Field

from archplan.layers.args import PositiveInt, as_tuple
from archplan.layers.base import Inference, Layer, LayerShapeError, register
from archplan.layers.normalization import feature_axes
from archplan.rules.arith import dotted, group
from archplan.rules.receptive import GLOBAL
from archplan.rules.shapes import Shape, format_shape

T = TypeVar("T")


@register
class Embedding(Layer):
    """A learnt vector of ``output_dim`` values for each of ``input_dim`` token ids: ``(L,)`` ids
    become ``(L, output_dim)``; ``input_dim·output_dim`` weights, a lookup (no MACs)."""

    keras_class = "Embedding"
    width_argument = "output_dim"
    type: Literal["Embedding"]
    input_dim: PositiveInt
    output_dim: PositiveInt
    mask_zero: bool = False

    def infer(self, input_shape: Shape) -> Inference:
        weights = self.input_dim * self.output_dim
        return Inference(
            output_shape=(*input_shape, self.output_dim),
            trainable=weights,
            param_formula=f"{self.input_dim}·{self.output_dim} = {group(weights)}",
            arithmetic=(f"{dotted(input_shape)} ids → {self.output_dim} values each (a lookup)",),
            macs=0,
            reach=None,  # ids have no channels axis: the field is not followed past them
        )

    def describe(self) -> str:
        return f"{self.input_dim} ids → {self.output_dim}" + (
            ", mask zero" if self.mask_zero else ""
        )


Axes = Annotated[tuple[int, ...], Field(min_length=1), BeforeValidator(as_tuple)]


@register
class MultiHeadAttention(Layer):
    """Scaled dot-product attention with ``num_heads`` heads (Vaswani et al.): ``inputs`` names
    the query, then optionally the value and the key (``["x"]``: self-attention on x, as
    ``layer(x, x)``; ``["q", "v"]``: the key is the value).

    The output has the query's shape, its last axis ``output_shape`` when given. Every output
    value depends on every position along ``attention_axes`` (default: all but the batch and
    the last), so the receptive field becomes the whole input.
    """

    keras_class = "MultiHeadAttention"
    input_count = (1, 3)
    type: Literal["MultiHeadAttention"]
    num_heads: PositiveInt
    key_dim: PositiveInt
    value_dim: PositiveInt | None = None
    dropout: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0
    use_bias: bool = True
    output_shape: Annotated[
        PositiveInt | tuple[PositiveInt, ...] | None, BeforeValidator(as_tuple)
    ] = None
    attention_axes: Annotated[int | Axes | None, BeforeValidator(as_tuple)] = None

    def call_inputs(self, inputs: list[T]) -> list[T]:
        """Keras' ``layer(query, value, key)``; one input attends to itself."""
        return inputs if len(inputs) > 1 else [inputs[0], inputs[0]]

    def infer_inputs(self, input_shapes: tuple[Shape, ...]) -> Inference:
        query = input_shapes[0]
        value = input_shapes[1] if len(input_shapes) > 1 else query
        key = input_shapes[2] if len(input_shapes) > 2 else value
        if len({len(query), len(value), len(key)}) != 1 or len(query) < 2:
            raise LayerShapeError(
                f"query {format_shape(query)}, value {format_shape(value)} and key "
                f"{format_shape(key)} must have one rank, at least 2 (positions, features); "
                "use a sequence (steps, channels) or an image (height, width, channels)"
            )
        if value[:-1] != key[:-1]:
            raise LayerShapeError(
                f"value {format_shape(value)} and key {format_shape(key)} must be equal on every "
                "axis but the last (Keras refuses them)"
            )
        axes = self._axes(query)
        others = [index for index in range(len(query) - 1) if index not in axes]
        if [query[i] for i in others] != [key[i] for i in others]:
            raise LayerShapeError(
                f"query {format_shape(query)} and key {format_shape(key)} must be equal on the "
                f"axes attention does not run along (all but {self._axes_text(axes)} and the last)"
            )
        heads, d_k = self.num_heads, self.key_dim
        d_v = self.value_dim or self.key_dim
        outs = self._output_axes(query)
        o = math.prod(outs)
        c_q, c_k, c_v = query[-1], key[-1], value[-1]
        bias = self.use_bias
        weights = (c_q + bias) * heads * d_k + (c_k + bias) * heads * d_k
        weights += (c_v + bias) * heads * d_v + heads * d_v * o + bias * o
        n_q = math.prod(query[i] for i in axes)
        n_k = math.prod(key[i] for i in axes)
        batch = math.prod(query[i] for i in others)
        projections = batch * (
            n_q * c_q * heads * d_k + n_k * (c_k * heads * d_k + c_v * heads * d_v)
        )
        scores = batch * heads * n_q * n_k * d_k
        weighted = batch * heads * n_q * n_k * d_v
        output = batch * n_q * heads * d_v * o
        b = "+ 1" if bias else ""
        formula = (
            f"({c_q} {b})·{heads}·{d_k} + ({c_k} {b})·{heads}·{d_k} + ({c_v} {b})·{heads}·{d_v} "
            f"+ {heads}·{d_v}·{o}{' + ' + str(o) if bias else ''} = {group(weights)}"
        ).replace(" )", ")")
        if not bias:
            formula = formula.replace("(", "").replace(")", "")
        biases = bias * batch * (n_q * heads * d_k + n_k * heads * (d_k + d_v) + n_q * o)
        return Inference(
            output_shape=(*query[:-1], *outs),
            trainable=weights,
            param_formula=formula,
            arithmetic=(
                f"{heads} heads over {n_q}×{n_k} positions: "
                f"scores {heads}·{n_q}·{n_k}·{d_k} = {group(scores)} MACs, "
                f"weighted sum {heads}·{n_q}·{n_k}·{d_v} = {group(weighted)} MACs",
                f"projections {group(projections)} + output {group(output)} MACs",
            ),
            macs=projections + scores + weighted + output,
            other_ops=biases + batch * heads * n_q * (n_k + d_k),  # softmax per score, 1/√d_k
            reach=GLOBAL,
        )

    def infer(self, input_shape: Shape) -> Inference:
        return self.infer_inputs((input_shape,))

    def _axes(self, query: Shape) -> tuple[int, ...]:
        """The attention axes as indices into ``query`` (no batch axis); default all but the
        last. The last (the features) cannot be one."""
        if self.attention_axes is None:
            return tuple(range(len(query) - 1))
        given = (
            self.attention_axes
            if isinstance(self.attention_axes, tuple)
            else (self.attention_axes,)
        )
        indices = feature_axes(given, query, "attention_axes")
        if len(query) - 1 in indices or len(set(indices)) != len(indices):
            raise LayerShapeError(
                f"attention_axes={list(given)} must name distinct axes of the query "
                f"{format_shape(query)} other than its last (the features): from 1 to "
                f"{len(query) - 1} as Keras counts (batch axis 0)"
            )
        return indices

    @staticmethod
    def _axes_text(axes: tuple[int, ...]) -> str:
        return ", ".join(str(axis + 1) for axis in axes)

    def _output_axes(self, query: Shape) -> tuple[int, ...]:
        if self.output_shape is None:
            return (query[-1],)
        return self.output_shape if isinstance(self.output_shape, tuple) else (self.output_shape,)

    def describe(self) -> str:
        parts = [f"{self.num_heads} heads", f"key dim {self.key_dim}"]
        if self.value_dim:
            parts.append(f"value dim {self.value_dim}")
        if self.attention_axes is not None:
            parts.append(f"axes {self.attention_axes}")
        return ", ".join(parts)

    def keras_arguments(self) -> dict[str, Any]:
        return super().keras_arguments()
