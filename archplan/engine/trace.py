"""Walk a network from its input to its output, applying each layer's rules in turn.

Layers are taken in the file's order, which the spec guarantees is an order in which every layer's
inputs are ready (references point backwards). Each layer's input shapes are the outputs it names;
a merge's receptive field follows its widest input (:func:`archplan.rules.receptive.merge_fields`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from archplan.engine.graph import reaching_output, unused_outputs, unused_warning
from archplan.engine.hints import Step, mismatch_message
from archplan.errors import SpecError
from archplan.layers import Inference, LayerShapeError
from archplan.layers.base import MergeMismatchError
from archplan.rules.receptive import Field, Reach, advance, input_field, merge_fields
from archplan.rules.shapes import Shape, format_shape
from archplan.schema.network import INPUT, Network, Node

if TYPE_CHECKING:
    from archplan.schema.training import Training


@dataclass(frozen=True)
class LayerTrace:
    """One layer's place in the network, its shapes, its weights, and the arithmetic behind them."""

    index: int
    name: str
    type: str
    arguments: str
    input_shape: Shape
    """The (first) input's shape; all of a merge's are in ``input_shapes``."""
    output_shape: Shape
    trainable_params: int
    non_trainable_params: int
    param_formula: str
    arithmetic: tuple[str, ...]
    macs: int | None = None
    """Multiply-accumulates for one sample; None only for a layer type without a cost rule."""
    other_ops: int = 0
    """Work that is not multiply-accumulate (see :mod:`archplan.rules.costs`)."""
    field: Field | None = None
    """What one output unit sees of the network's input; None after a layer without a rule."""
    inputs: tuple[str, ...] = ()
    """The names of the outputs it takes (``"input"``: the network's input), in order."""
    input_shapes: tuple[Shape, ...] = ()
    """The shape of each of ``inputs``."""
    reaches_output: bool = True
    """False for a layer the output does not depend on: Keras leaves it out, and the totals too."""

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
        return math.prod(self.output_shape)


@dataclass(frozen=True)
class Trace:
    """A traced network: every layer's row, and the totals Keras' summary would print.

    Totals count the layers the output depends on (all of them, unless a warning says otherwise):
    Keras' model holds only those. Each layer's output is counted once in the activations, however
    many layers take it.
    """

    name: str
    input_shape: Shape
    layers: tuple[LayerTrace, ...]
    training: Training | None = None
    """The spec's training block, for memory estimates (batch size, optimizer); None: none."""
    warnings: tuple[str, ...] = ()
    """Problems that do not stop the trace, one line each (e.g. an output nothing uses)."""

    @property
    def counted(self) -> tuple[LayerTrace, ...]:
        """The layers in the totals: those the output depends on."""
        return tuple(layer for layer in self.layers if layer.reaches_output)

    @property
    def branched(self) -> bool:
        """True when a layer takes anything but the layer just before it: a graph, not a chain."""
        previous = INPUT
        for layer in self.layers:
            if layer.inputs not in ((), (previous,)):
                return True
            previous = layer.name
        return False

    @property
    def output_shape(self) -> Shape:
        return self.layers[-1].output_shape if self.layers else self.input_shape

    @property
    def trainable_params(self) -> int:
        return sum(layer.trainable_params for layer in self.counted)

    @property
    def non_trainable_params(self) -> int:
        return sum(layer.non_trainable_params for layer in self.counted)

    @property
    def total_params(self) -> int:
        return self.trainable_params + self.non_trainable_params

    @property
    def total_macs(self) -> int | None:
        """Multiply-accumulates for one sample; None if a layer type has no cost rule."""
        counts = [layer.macs for layer in self.counted]
        return None if None in counts else sum(c for c in counts if c is not None)

    @property
    def total_flops(self) -> int | None:
        return None if self.total_macs is None else 2 * self.total_macs

    @property
    def total_other_ops(self) -> int:
        return sum(layer.other_ops for layer in self.counted)

    @property
    def activations(self) -> int:
        """Values in all layers' outputs for one sample (the input not included)."""
        return sum(layer.activations for layer in self.counted)

    @property
    def input_values(self) -> int:
        return math.prod(self.input_shape)

    @property
    def depth(self) -> int:
        """Layers with weights, the way a network is called 16 layers deep."""
        return sum(1 for layer in self.counted if layer.params)

    @property
    def last_spatial_field(self) -> Field | None:
        """The field of the last layer that still has a spatial layout (before Flatten)."""
        fields = [
            layer.field
            for layer in self.counted
            if layer.field is not None and layer.field.size and not layer.field.whole
        ]
        return fields[-1] if fields else None

    @property
    def last_spatial_shape(self) -> Shape | None:
        """The output shape of the last layer with the input's rank: for an image, the feature
        maps the head takes (before Flatten or global pooling)."""
        rank = len(self.input_shape)
        shapes = [layer.output_shape for layer in self.counted if len(layer.output_shape) == rank]
        return shapes[-1] if shapes else None


def _next_field(field: Field | None, reach: Reach | None, input_shape: Shape) -> Field | None:
    """The field after a layer; unknown from the first layer without a receptive-field rule on."""
    return None if field is None or reach is None else advance(field, reach, input_shape)


def trace_network(network: Network) -> Trace:
    """Every layer's shapes and parameters; a layer that cannot take its inputs is a SpecError."""
    outputs: dict[str, tuple[Shape, Field | None]] = {
        INPUT: (network.input_shape, input_field(network.input_shape))
    }
    steps: dict[str, Step] = {}
    rows = []
    nodes = network.nodes()
    reached = reaching_output(nodes)
    for node in nodes:
        shapes = tuple(outputs[name][0] for name in node.inputs)
        inferred = _infer(node, shapes, steps)
        fields = [outputs[name][1] for name in node.inputs]
        merged = fields[0] if len(fields) == 1 else merge_fields(fields)
        field = _next_field(merged, inferred.reach, network.input_shape)
        rows.append(_row(node, shapes, inferred, field, reaches_output=node.name in reached))
        outputs[node.name] = (inferred.output_shape, field)
        steps[node.name] = Step(node, shapes[0], inferred.output_shape)
    return Trace(
        name=network.name or "network",
        input_shape=network.input_shape,
        layers=tuple(rows),
        training=network.training,
        warnings=tuple(unused_warning(node) for node in unused_outputs(nodes)),
    )


class LayerRefusalError(SpecError):
    """A layer that cannot take its inputs: the message says where and why, and the attributes
    keep what a program needs to act on it (``archplan fix`` edits that layer or its inputs)."""

    def __init__(
        self, message: str, node: Node, shapes: tuple[Shape, ...], problem: LayerShapeError
    ) -> None:
        super().__init__(message)
        self.node = node
        self.shapes = shapes
        self.problem = problem


def _infer(node: Node, shapes: tuple[Shape, ...], steps: dict[str, Step]) -> Inference:
    """The layer's rules on its inputs' shapes; a refusal becomes a SpecError saying where."""
    try:
        return node.layer.inference(shapes)
    except LayerShapeError as problem:
        message = _refusal(node, shapes, problem, steps)
        raise LayerRefusalError(message, node, shapes, problem) from None


def _refusal(
    node: Node, shapes: tuple[Shape, ...], problem: LayerShapeError, steps: dict[str, Step]
) -> str:
    """``layers[3] ('conv2d', Conv2D) on input (4, 4, 1): ...``; a merge's names its inputs."""
    where = node.label
    if isinstance(problem, MergeMismatchError):
        return mismatch_message(where, problem, node.inputs, shapes, steps)
    if len(shapes) == 1:
        return f"{where} on input {format_shape(shapes[0])}: {problem}"
    received = ", ".join(
        f"{format_shape(shape)} from {name!r}"
        for name, shape in zip(node.inputs, shapes, strict=True)
    )
    return f"{where} on inputs {received}: {problem}"


def _arguments(node: Node) -> str:
    """The layer's short description, and ``frozen`` where its weights are not trained."""
    described = node.layer.describe()
    if node.layer.trainable:
        return described
    return f"{described}, frozen" if described else "frozen"


def _row(
    node: Node,
    shapes: tuple[Shape, ...],
    inferred: Inference,
    field: Field | None,
    *,
    reaches_output: bool,
) -> LayerTrace:
    return LayerTrace(
        index=node.index,
        name=node.name,
        type=node.layer.keras_class,
        arguments=_arguments(node),
        input_shape=shapes[0],
        output_shape=inferred.output_shape,
        trainable_params=inferred.trainable,
        non_trainable_params=inferred.non_trainable,
        param_formula=inferred.param_formula,
        arithmetic=inferred.arithmetic,
        macs=inferred.macs,
        other_ops=inferred.other_ops,
        field=field,
        inputs=node.inputs,
        input_shapes=shapes,
        reaches_output=reaches_output,
    )
