"""Pair the engine's trace with the Keras model, layer by layer, to prove the engine right.

Keras is archplan's oracle: for every layer the engine's output shape must equal the shape of the
Keras layer's output tensor, and its trainable and non-trainable parameters must equal the sizes of
the Keras layer's trainable and non-trainable weights. Layers the output does not depend on are
left out of a Keras model, so they are compared by their absence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from archplan.engine.trace import LayerTrace, Trace

KerasShape = tuple[int | None, ...]


@dataclass(frozen=True)
class LayerFacts:
    """One side's account of a layer: its output shape (no batch axis) and its weights."""

    shape: KerasShape
    trainable: int
    non_trainable: int

    @property
    def params(self) -> int:
        return self.trainable + self.non_trainable


@dataclass(frozen=True)
class LayerCheck:
    """The engine's and Keras' accounts of one layer; ``keras`` None: Keras has no such layer."""

    index: int
    name: str
    type: str
    engine: LayerFacts
    keras: LayerFacts | None

    @property
    def agrees(self) -> bool:
        return self.engine == self.keras


@dataclass(frozen=True)
class CrossCheck:
    """Every layer compared, and the Keras layers the engine does not know of."""

    model_name: str
    layers: tuple[LayerCheck, ...]
    unmatched_keras_layers: tuple[str, ...]
    keras_total: int
    left_out: tuple[str, ...] = ()
    """Layers the output does not depend on: in neither the Keras model nor the totals."""

    @property
    def mismatches(self) -> tuple[LayerCheck, ...]:
        return tuple(layer for layer in self.layers if not layer.agrees)

    @property
    def engine_total(self) -> int:
        return sum(layer.engine.params for layer in self.layers)

    @property
    def agrees(self) -> bool:
        return (
            not self.mismatches
            and not self.unmatched_keras_layers
            and self.engine_total == self.keras_total
        )


def crosscheck(trace: Trace, model: Any) -> CrossCheck:
    """Compare each traced layer the output depends on with the Keras layer of the same name."""
    keras_layers = {layer.name: layer for layer in model.layers if not _is_input(layer)}
    counted = [row for row in trace.layers if row.reaches_output]
    rows = tuple(
        LayerCheck(
            index=row.index,
            name=row.name,
            type=row.type,
            engine=engine_facts(row),
            keras=keras_facts(keras_layers[row.name]) if row.name in keras_layers else None,
        )
        for row in counted
    )
    traced = {row.name for row in counted}
    return CrossCheck(
        model_name=str(model.name),
        layers=rows,
        unmatched_keras_layers=tuple(name for name in keras_layers if name not in traced),
        keras_total=int(model.count_params()),
        left_out=tuple(row.name for row in trace.layers if not row.reaches_output),
    )


def engine_facts(row: LayerTrace) -> LayerFacts:
    return LayerFacts(row.output_shape, row.trainable_params, row.non_trainable_params)


def keras_facts(layer: Any) -> LayerFacts:
    """A Keras layer's output shape (no batch axis) and its weights, split by trainability."""
    shape = tuple(layer.output.shape)[1:]
    return LayerFacts(
        shape=tuple(None if size is None else int(size) for size in shape),
        trainable=_weight_count(layer.trainable_weights),
        non_trainable=_weight_count(layer.non_trainable_weights),
    )


def _weight_count(weights: list[Any]) -> int:
    return sum(math.prod(int(size) for size in weight.shape) for weight in weights)


def _is_input(layer: Any) -> bool:
    return type(layer).__name__ == "InputLayer"
