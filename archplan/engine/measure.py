"""The numbers-only walk: a network's totals through the same rules as the trace, and no text.

A search examines thousands of networks and shows a handful. :func:`trace_network` keeps a row
per layer (its arguments, formula and arithmetic, for people to read); :func:`measure_network`
applies the same ``Layer.inference`` rules and the same receptive-field recurrence, in the
same order, but keeps only the totals a search compares: parameters, MACs, activations, depth,
the last spatial layer's field and shape. Any layer class works as it is, new ones included.

An :class:`InferenceMemo` lets a search reuse a layer's inference wherever the same layer (the
same type and arguments; its name and wiring do not matter) meets the same input shapes: a layer
spec is a frozen value and its inference a pure function of it and the shapes. Refusals are
never remembered: a layer that cannot take its inputs is handed to :func:`trace_network`, so the
error says exactly what ``archplan trace`` says.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from archplan.engine.graph import reaching_output
from archplan.engine.trace import trace_network
from archplan.layers import Inference, Layer, LayerShapeError
from archplan.rules.receptive import POINTWISE, Field, Reach, advance, input_field, merge_fields
from archplan.rules.shapes import Shape
from archplan.schema.network import INPUT, Network

if TYPE_CHECKING:
    from archplan.schema.training import Training

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
    training: Training | None
    """The spec's training block, for memory estimates; None: Keras' defaults."""

    @property
    def total_params(self) -> int:
        return self.trainable_params + self.non_trainable_params

    @property
    def total_flops(self) -> int | None:
        return None if self.total_macs is None else 2 * self.total_macs

    @property
    def input_values(self) -> int:
        return math.prod(self.input_shape)


class Step(NamedTuple):
    """One layer walked: its name, what it takes, its inference, its output's field."""

    name: str
    inputs: tuple[str, ...]
    inference: Inference
    field: Field | None


def _input_step(input_shape: Shape) -> Step:
    """The network's input as a step: its shape, and a field of one pixel."""
    return Step(INPUT, (), Inference(output_shape=input_shape), input_field(input_shape))


Infer = Callable[[Layer, tuple[Shape, ...]], Inference]
Advance = Callable[[Field, Reach, Shape], Field]


def _infer(layer: Layer, shapes: tuple[Shape, ...]) -> Inference:
    return layer.inference(shapes)


def _step(
    name: str,
    layer: Layer,
    inputs: tuple[str, ...],
    taken: list[Step],
    rules: tuple[Infer, Advance],
    input_shape: Shape,
) -> Step:
    """A layer's step from the steps it takes: its inference on their shapes, and its field
    (its inputs', the widest for a merge, advanced by its reach; unknown from the first layer
    without a receptive-field rule on)."""
    infer, advance_field = rules
    if len(taken) == 1:
        inferred = infer(layer, (taken[0].inference.output_shape,))
        field = taken[0].field
    else:
        inferred = infer(layer, tuple(step.inference.output_shape for step in taken))
        field = merge_fields([step.field for step in taken])
    if field is not None:
        reach = inferred.reach
        field = None if reach is None else advance_field(field, reach, input_shape)
    return Step(name, inputs, inferred, field)


def _walk(network: Network) -> list[Step]:
    """Each layer's inference and field, in order (the trace's walk, without its rows)."""
    input_shape = network.input_shape
    outputs = {INPUT: _input_step(input_shape)}
    steps = []
    for name, layer, inputs in network.wiring():
        step = _step(
            name, layer, inputs, [outputs[source] for source in inputs], (_infer, advance),
            input_shape,
        )  # fmt: skip
        outputs[name] = step
        steps.append(step)
    return steps


class InferenceMemo:
    """What a search has already walked, so that networks sharing layers share the work.

    Three levels, each exact: a layer's step after the very same earlier layers (the same
    objects, names and wiring, from the same input) is looked up whole; else its inference is
    looked up by its type, arguments (not its name or wiring) and input shapes; else computed.
    Bounded: past ``limit`` entries it starts afresh, so a long search cannot grow it forever.
    """

    def __init__(self, limit: int = 300_000) -> None:
        self.limit = limit
        self._prefixes: dict[tuple[object, ...], tuple[int, Layer, Step, frozenset[str]]] = {}
        self._inferences: dict[tuple[int, tuple[Shape, ...]], Inference] = {}
        self._fields: dict[tuple[Field, Reach, Shape], Field] = {}
        self._tokens: dict[object, int] = {}
        self._layers: dict[int, tuple[Layer, int | None]] = {}
        self._numbers = itertools.count()
        """Numbers for prefixes and layer arguments, never reused (not even after a clear)."""
        self.hits = 0
        self.misses = 0

    def walk(self, network: Network) -> tuple[list[Step], bool]:
        """:func:`_walk`, reusing every step already made after the same earlier layers; and
        whether the output depends on every layer (known from the steps, no graph walk)."""
        input_shape = network.input_shape
        rules = (self.infer, self.advance)
        outputs = {INPUT: _input_step(input_shape)}
        state: object = input_shape
        unused: frozenset[str] = frozenset()  # outputs no later layer takes, so far
        steps = []
        for name, layer, inputs in network.wiring():
            key = (state, id(layer), name, inputs)
            known = self._prefixes.get(key)
            if known is None or known[1] is not layer:
                taken = [outputs[source] for source in inputs]
                step = _step(name, layer, inputs, taken, rules, input_shape)
                after = unused.difference(inputs).union((name,))
                known = (next(self._numbers), layer, step, after)
                self._remember(self._prefixes, key, known)
            state, _, step, unused = known
            outputs[name] = step
            steps.append(step)
        # Every layer but the last feeds a later one: the output depends on all of them.
        return steps, len(unused) <= 1

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
            token: int | None = self._tokens.get(arguments)
            if token is None:
                token = self._tokens[arguments] = next(self._numbers)
        except TypeError:  # a list among the arguments: nothing to reuse
            token = None
        self._layers[id(layer)] = (layer, token)
        return token

    def infer(self, layer: Layer, shapes: tuple[Shape, ...]) -> Inference:
        """``layer.inference(shapes)``, computed once per distinct layer and shapes."""
        token = self._token(layer)
        if token is None:
            return layer.inference(shapes)
        key = (token, shapes)
        known = self._inferences.get(key)
        if known is not None:
            self.hits += 1
            return known
        self.misses += 1
        inferred = layer.inference(shapes)
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
            for known in (
                self._prefixes, self._inferences, self._fields, self._tokens, self._layers
            ):  # fmt: skip
                known.clear()
        table[key] = value


def measure_network(network: Network, memo: InferenceMemo | None = None) -> Measures:
    """The totals of ``network``; a layer that cannot take its inputs is the trace's SpecError."""
    try:
        steps, all_reach = memo.walk(network) if memo is not None else (_walk(network), False)
    except LayerShapeError:
        trace_network(network)  # raises the trace's own message, hints included
        raise
    return _measures(network, steps, None if all_reach else reaching_output(steps))


def _measures(network: Network, steps: list[Step], reached: set[str] | None) -> Measures:
    """Sums over the layers the output depends on (``reached``; None: all of them)."""
    rank = len(network.input_shape)
    trainable = non_trainable = other_ops = activations = depth = 0
    macs: int | None = 0
    spatial_field: Field | None = None
    spatial_shape: Shape | None = None
    for step in steps:
        if reached is not None and step.name not in reached:
            continue
        inferred, field = step.inference, step.field
        shape = inferred.output_shape
        trainable += inferred.trainable
        non_trainable += inferred.non_trainable
        macs = None if macs is None or inferred.macs is None else macs + inferred.macs
        other_ops += inferred.other_ops
        activations += math.prod(shape)
        depth += bool(inferred.trainable or inferred.non_trainable)
        if field is not None and field.size and field.jump is not None:  # spatial, not whole
            spatial_field = field
        if len(shape) == rank:
            spatial_shape = shape
    return Measures(
        name=network.name or "network",
        input_shape=network.input_shape,
        output_shape=steps[-1].inference.output_shape if steps else network.input_shape,
        trainable_params=trainable,
        non_trainable_params=non_trainable,
        total_macs=macs,
        total_other_ops=other_ops,
        activations=activations,
        depth=depth,
        last_spatial_field=spatial_field,
        last_spatial_shape=spatial_shape,
        training=network.training,
    )
