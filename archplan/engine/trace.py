"""Walk a network from its input to its output, applying each layer's rules in turn."""

from __future__ import annotations

from dataclasses import dataclass

from archplan.engine.arith import product
from archplan.engine.receptive import Field, Reach, advance, input_field
from archplan.errors import SpecError
from archplan.layers import LayerShapeError
from archplan.layers.args import Shape
from archplan.layers.base import Layer, format_shape
from archplan.spec.network import Network
from archplan.spec.training import Training


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
    macs: int | None = None
    """Multiply-accumulates for one sample; None only for a layer type without a cost rule."""
    other_ops: int = 0
    """Work that is not multiply-accumulate (see :mod:`archplan.engine.costs`)."""
    field: Field | None = None
    """What one output unit sees of the network's input; None after a layer without a rule."""

    @property
    def params(self) -> int:
        return self.trainable_params + self.non_trainable_params

    @property
    def flops(self) -> int | None:
        """Floating-point operations of the multiply-accumulates: 2·MACs (other ops excluded)."""
        return None if self.macs is None else 2 * self.macs

    @property
    def activations(self) -> int:
        """Values in the output of one sample."""
        return product(self.output_shape)


@dataclass(frozen=True)
class Trace:
    """A traced network: every layer's row, and the totals Keras' summary would print."""

    name: str
    input_shape: Shape
    layers: tuple[LayerTrace, ...]
    training: Training | None = None
    """The spec's training block, for memory estimates (batch size, optimizer)."""

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

    @property
    def total_macs(self) -> int | None:
        """Multiply-accumulates for one sample; None if a layer type has no cost rule."""
        counts = [layer.macs for layer in self.layers]
        return None if None in counts else sum(c for c in counts if c is not None)

    @property
    def total_flops(self) -> int | None:
        return None if self.total_macs is None else 2 * self.total_macs

    @property
    def total_other_ops(self) -> int:
        return sum(layer.other_ops for layer in self.layers)

    @property
    def activations(self) -> int:
        """Values in all layers' outputs for one sample (the input not included)."""
        return sum(layer.activations for layer in self.layers)

    @property
    def input_values(self) -> int:
        return product(self.input_shape)

    @property
    def depth(self) -> int:
        """Layers with weights, the way a network is called 16 layers deep."""
        return sum(1 for layer in self.layers if layer.params)

    @property
    def last_spatial_field(self) -> Field | None:
        """The field of the last layer that still has a spatial layout (before Flatten)."""
        fields = [
            layer.field
            for layer in self.layers
            if layer.field is not None and layer.field.size and not layer.field.whole
        ]
        return fields[-1] if fields else None


def _next_field(field: Field | None, reach: Reach | None, input_shape: Shape) -> Field | None:
    """The field after a layer; unknown from the first layer without a receptive-field rule on."""
    return None if field is None or reach is None else advance(field, reach, input_shape)


def trace_network(network: Network) -> Trace:
    """Every layer's shapes and parameters; a layer that cannot take its input is a SpecError."""
    shape = network.input_shape
    field: Field | None = input_field(shape)
    rows = []
    layers: list[Layer] = list(network.layers)
    for index, (layer, name) in enumerate(zip(layers, network.layer_names(), strict=True)):
        try:
            inferred = layer.infer(shape)
        except LayerShapeError as problem:
            where = f"layers[{index}] ({name!r}, {layer.keras_class})"
            raise SpecError(f"{where} on input {format_shape(shape)}: {problem}") from None
        field = _next_field(field, inferred.reach, network.input_shape)
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
                macs=inferred.macs,
                other_ops=inferred.other_ops,
                field=field,
            )
        )
        shape = inferred.output_shape
    return Trace(
        name=network.name or "network",
        input_shape=network.input_shape,
        layers=tuple(rows),
        training=network.training,
    )
