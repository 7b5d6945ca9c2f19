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

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

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


class Step(NamedTuple):
    """One layer walked: its name, what it takes, its inference, its output's field."""

    name: str
    inputs: tuple[str, ...]
    inference: Inference
    field: Field | None


class Sums(NamedTuple):
    """Running totals over the layers walked so far (see :class:`Measures`)."""

    trainable: int = 0
    non_trainable: int = 0
    macs: int | None = 0
    other_ops: int = 0
    activations: int = 0
    depth: int = 0
    spatial_field: Field | None = None
    spatial_shape: Shape | None = None

    def add(self, step: Step, rank: int) -> Sums:
        """The totals with ``step`` counted; ``rank`` is the network input's."""
        inferred, field = step.inference, step.field
        shape = inferred.output_shape
        spatial = field is not None and bool(field.size) and field.jump is not None
        return Sums(
            trainable=self.trainable + inferred.trainable,
            non_trainable=self.non_trainable + inferred.non_trainable,
            macs=None if self.macs is None or inferred.macs is None else self.macs + inferred.macs,
            other_ops=self.other_ops + inferred.other_ops,
            activations=self.activations + math.prod(shape),
            depth=self.depth + bool(inferred.trainable or inferred.non_trainable),
            spatial_field=field if spatial else self.spatial_field,
            spatial_shape=shape if len(shape) == rank else self.spatial_shape,
        )


def _field_after(taken: list[tuple[Shape, Field | None]], reach: Reach | None, input_shape: Shape,
                 step: Callable[[Field, Reach, Shape], Field]) -> Field | None:  # fmt: skip
    """The field of a layer's output: its inputs' (the widest, for a merge), advanced by its
    reach; unknown from the first layer without a receptive-field rule on."""
    field = taken[0][1] if len(taken) == 1 else merge_fields([field for _, field in taken])
    if field is None or reach is None:
        return None
    return step(field, reach, input_shape)


def _walk(network: Network) -> list[Step]:
    """Each layer's inference and field, in order (the trace's walk, without its rows)."""
    input_shape = network.input_shape
    outputs: dict[str, tuple[Shape, Field | None]] = {
        INPUT: (input_shape, input_field(input_shape))
    }
    steps = []
    for name, layer, inputs in network.wiring():
        taken = [outputs[source] for source in inputs]
        inferred = layer.infer_inputs(tuple(shape for shape, _ in taken))
        field = _field_after(taken, inferred.reach, input_shape, advance)
        outputs[name] = (inferred.output_shape, field)
        steps.append(Step(name, inputs, inferred, field))
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
        self._prefixes: dict[tuple[object, ...], tuple[int, Layer, Step, Sums, frozenset[str]]] = {}
        self._inferences: dict[tuple[int, tuple[Shape, ...]], Inference] = {}
        self._fields: dict[tuple[Field, Reach, Shape], Field] = {}
        self._tokens: dict[object, int] = {}
        self._layers: dict[int, tuple[Layer, int | None]] = {}
        self._numbers = itertools.count()
        """Numbers for prefixes and layer arguments, never reused (not even after a clear)."""
        self.hits = 0
        self.misses = 0

    def walk(self, network: Network) -> tuple[list[Step], Sums | None]:
        """:func:`_walk`, reusing every step already made after the same earlier layers; and,
        when the output depends on every layer, the totals (kept with each step, so a start
        shared by many networks is summed once), else None."""
        input_shape = network.input_shape
        rank = len(input_shape)
        outputs: dict[str, tuple[Shape, Field | None]] = {
            INPUT: (input_shape, input_field(input_shape))
        }
        state: object = input_shape
        sums = Sums()
        unused: frozenset[str] = frozenset()  # outputs no later layer takes, so far
        steps = []
        for name, layer, inputs in network.wiring():
            key = (state, id(layer), name, inputs)
            known = self._prefixes.get(key)
            if known is None or known[1] is not layer:
                taken = [outputs[source] for source in inputs]
                inferred = self.infer(layer, tuple(shape for shape, _ in taken))
                field = _field_after(taken, inferred.reach, input_shape, self.advance)
                step = Step(name, inputs, inferred, field)
                after = unused.difference(inputs).union((name,))
                known = (next(self._numbers), layer, step, sums.add(step, rank), after)
                self._remember(self._prefixes, key, known)
            state, _, step, sums, unused = known
            outputs[name] = (step.inference.output_shape, step.field)
            steps.append(step)
        # Every layer but the last feeds a later one: the output depends on all of them.
        return steps, sums if len(unused) <= 1 else None

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
            for known in (
                self._prefixes, self._inferences, self._fields, self._tokens, self._layers
            ):  # fmt: skip
                known.clear()
        table[key] = value


def measure_network(network: Network, memo: InferenceMemo | None = None) -> Measures:
    """The totals of ``network``; a layer that cannot take its inputs is the trace's SpecError."""
    try:
        steps, sums = memo.walk(network) if memo is not None else (_walk(network), None)
    except LayerShapeError:
        trace_network(network)  # raises the trace's own message, hints included
        raise
    if sums is None:  # the totals count only the layers the output depends on
        reached = reaching_output(steps)
        rank = len(network.input_shape)
        sums = Sums()
        for step in steps:
            if step.name in reached:
                sums = sums.add(step, rank)
    return Measures(
        name=network.name or "network",
        input_shape=network.input_shape,
        output_shape=steps[-1].inference.output_shape if steps else network.input_shape,
        trainable_params=sums.trainable,
        non_trainable_params=sums.non_trainable,
        total_macs=sums.macs,
        total_other_ops=sums.other_ops,
        activations=sums.activations,
        depth=sums.depth,
        last_spatial_field=sums.spatial_field,
        last_spatial_shape=sums.spatial_shape,
        training=network.training_settings,
    )
