"""The numbers-only walk: a network's totals through the same rules as the trace, and no text.

A search examines thousands of networks and shows a handful. :func:`trace_network` keeps a row
per layer (its arguments, formula and arithmetic, for people to read); :func:`measure_network`
applies the same ``Layer.infer_inputs`` rules and the same receptive-field recurrence, in the
same order, but keeps only the totals a search compares: parameters, MACs, activations, depth,
the last spatial layer's field and shape. Any layer class works as it is, new ones included.

An :class:`InferenceMemo` lets a search reuse a layer's inference wherever the same layer (the
same type and arguments; its name and wiring do not matter) meets the same input shapes: a layer
spec is a frozen value and its inference a pure function of it and the shapes. Refusals are
never remembered: a layer that cannot take its inputs is handed to :func:`trace_network`, so the
error says exactly what ``archplan trace`` says.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from archplan.engine.graph import reaching_output
from archplan.engine.trace import trace_network
from archplan.layers import Inference, Layer, LayerShapeError
from archplan.rules.receptive import POINTWISE, Field, Reach, advance, input_field, merge_fields
from archplan.rules.shapes import Shape
from archplan.spec.network import INPUT, Network
from archplan.spec.training import Training

WIRING = frozenset({"name", "inputs"})
"""A layer's fields that place it in the graph without changing what it computes."""


@dataclass(frozen=True)
class Measures:
    """A network's totals, as :class:`~archplan.engine.trace.Trace` computes them.

    Totals count the layers the output depends on, as the trace's do.
    """

    name: str
    input_shape: Shape
    output_shape: Shape
    trainable_params: int
    non_trainable_params: int
    total_macs: int | None
    """None if a layer type has no cost rule (as the trace)."""
    total_other_ops: int
    activations: int
    """Values in all counted layers' outputs for one sample."""
    depth: int
    """Layers with weights."""
    last_spatial_field: Field | None
    """The receptive field of the last layer that still has a spatial layout."""
    last_spatial_shape: Shape | None
    """The output shape of the last layer with the input's rank (the head's input, for images)."""
    training: Training

    @property
    def total_params(self) -> int:
        return self.trainable_params + self.non_trainable_params

    @property
    def total_flops(self) -> int | None:
        return None if self.total_macs is None else 2 * self.total_macs

    @property
    def input_values(self) -> int:
        return math.prod(self.input_shape)


class InferenceMemo:
    """Inferences and field steps already made, by layer type and arguments and input shapes.

    Bounded: past ``limit`` entries it starts afresh, so a long search cannot grow it forever.
    """

    def __init__(self, limit: int = 200_000) -> None:
        self.limit = limit
        self._inferences: dict[tuple[int, tuple[Shape, ...]], Inference] = {}
        self._fields: dict[object, Field] = {}
        self._tokens: dict[object, int] = {}
        self._layers: dict[int, tuple[Layer, int | None]] = {}
        self.hits = 0
        self.misses = 0

    def _token(self, layer: Layer) -> int | None:
        """A number for the layer's type and arguments (not its name or wiring), looked up once
        per layer object (kept, so its id is not reused); None if an argument is unhashable."""
        known = self._layers.get(id(layer))
        if known is not None:
            return known[1]
        arguments = (
            layer.__class__,
            tuple(value for field, value in layer.__dict__.items() if field not in WIRING),
        )
        try:
            token: int | None = self._tokens.setdefault(arguments, len(self._tokens))
        except TypeError:  # a list among the arguments: nothing to reuse
            token = None
        self._layers[id(layer)] = (layer, token)
        return token

    def infer(self, layer: Layer, shapes: tuple[Shape, ...]) -> Inference:
        """``layer.infer_inputs(shapes)``, computed once per distinct layer and shapes."""
        token = self._token(layer)
        if token is None:
            return layer.infer_inputs(shapes)
        key = (token, shapes)
        known = self._inferences.get(key)
        if known is not None:
            self.hits += 1
            return known
        self.misses += 1
        inferred = layer.infer_inputs(shapes)
        self._remember(self._inferences, key, inferred)
        return inferred

    def advance(self, field: Field, reach: Reach, input_shape: Shape) -> Field:
        """:func:`~archplan.rules.receptive.advance`, computed once per distinct step."""
        if reach == POINTWISE:
            return field  # nothing to look up: the field passes through
        key = (field, reach, input_shape)
        known = self._fields.get(key)
        if known is None:
            known = advance(field, reach, input_shape)
            self._remember(self._fields, key, known)
        return known

    def _remember(self, table: dict[Any, Any], key: object, value: object) -> None:
        if len(table) >= self.limit:
            for known in (self._inferences, self._fields, self._tokens, self._layers):
                known.clear()
        table[key] = value


def _infer(layer: Layer, shapes: tuple[Shape, ...]) -> Inference:
    return layer.infer_inputs(shapes)


def measure_network(network: Network, memo: InferenceMemo | None = None) -> Measures:
    """The totals of ``network``; a layer that cannot take its inputs is the trace's SpecError."""
    infer: Callable[[Layer, tuple[Shape, ...]], Inference] = memo.infer if memo else _infer
    step: Callable[[Field, Reach, Shape], Field] = memo.advance if memo else advance
    input_shape = network.input_shape
    rank = len(input_shape)
    nodes = network.nodes()
    reached = reaching_output(nodes)
    outputs: dict[str, tuple[Shape, Field | None]] = {
        INPUT: (input_shape, input_field(input_shape))
    }
    trainable = non_trainable = other_ops = activations = depth = 0
    macs: int | None = 0
    spatial_field: Field | None = None
    spatial_shape: Shape | None = None
    output_shape = input_shape
    for node in nodes:
        if len(node.inputs) == 1:
            shape, field = outputs[node.inputs[0]]
            shapes: tuple[Shape, ...] = (shape,)
        else:
            taken = [outputs[name] for name in node.inputs]
            shapes = tuple(shape for shape, _ in taken)
            field = merge_fields([field for _, field in taken])
        try:
            inferred = infer(node.layer, shapes)
        except LayerShapeError:
            trace_network(network)  # raises the trace's own message, hints included
            raise
        if field is not None:
            field = None if inferred.reach is None else step(field, inferred.reach, input_shape)
        output_shape = inferred.output_shape
        outputs[node.name] = (output_shape, field)
        if node.name not in reached:
            continue
        trainable += inferred.trainable
        non_trainable += inferred.non_trainable
        macs = None if macs is None or inferred.macs is None else macs + inferred.macs
        other_ops += inferred.other_ops
        activations += math.prod(output_shape)
        depth += bool(inferred.trainable or inferred.non_trainable)
        if field is not None and field.size and field.jump is not None:  # spatial, not whole
            spatial_field = field
        if len(output_shape) == rank:
            spatial_shape = output_shape
    return Measures(
        name=network.name or "network",
        input_shape=input_shape,
        output_shape=output_shape,
        trainable_params=trainable,
        non_trainable_params=non_trainable,
        total_macs=macs,
        total_other_ops=other_ops,
        activations=activations,
        depth=depth,
        last_spatial_field=spatial_field,
        last_spatial_shape=spatial_shape,
        training=network.training_settings,
    )
