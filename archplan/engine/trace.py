"""Walk a network from its input to its output, applying each layer's rules in turn."""

from __future__ import annotations

from dataclasses import dataclass

from archplan.errors import SpecError
from archplan.layers import LayerShapeError
from archplan.layers.args import Shape
from archplan.layers.base import format_shape
from archplan.spec.network import Network


@dataclass(frozen=True)
class LayerTrace:
    """One layer's place in the network, its shapes, its weights, and the arithmetic behind them."""

    index: int
    name: str
    type: str
    arguments: str
    input_shape: Shape
    output_shape: Shape
    trainable_params: int
    non_trainable_params: int
    param_formula: str
    arithmetic: tuple[str, ...]

    @property
    def params(self) -> int:
        return self.trainable_params + self.non_trainable_params


@dataclass(frozen=True)
class Trace:
    """A traced network: every layer's row, and the totals Keras' summary would print."""

    name: str
    input_shape: Shape
    layers: tuple[LayerTrace, ...]

    @property
    def output_shape(self) -> Shape:
        return self.layers[-1].output_shape if self.layers else self.input_shape

    @property
    def trainable_params(self) -> int:
        return sum(layer.trainable_params for layer in self.layers)

    @property
    def non_trainable_params(self) -> int:
        return sum(layer.non_trainable_params for layer in self.layers)

    @property
    def total_params(self) -> int:
        return self.trainable_params + self.non_trainable_params


def trace_network(network: Network) -> Trace:
    """Every layer's shapes and parameters; a layer that cannot take its input is a SpecError."""
    shape = network.input_shape
    rows = []
    for index, (layer, name) in enumerate(zip(network.layers, network.layer_names())):
        try:
            inferred = layer.infer(shape)
        except LayerShapeError as problem:
            raise SpecError(
                f"layers[{index}] ({name!r}, {layer.keras_class}) on input {format_shape(shape)}: {problem}"
            ) from None
        rows.append(
            LayerTrace(
                index=index,
                name=name,
                type=layer.keras_class,
                arguments=layer.describe(),
                input_shape=shape,
                output_shape=inferred.output_shape,
                trainable_params=inferred.trainable,
                non_trainable_params=inferred.non_trainable,
                param_formula=inferred.param_formula,
                arithmetic=inferred.arithmetic,
            )
        )
        shape = inferred.output_shape
    return Trace(name=network.name or "network", input_shape=network.input_shape, layers=tuple(rows))
