"""``archplan fix``: the smallest changes that make an impossible spec valid, each one verified.

When the engine refuses a spec (a layer's output would be empty, a merge's inputs disagree), the
changes a person would try are tried here, on the spec file's own JSON: ``padding='same'``, a
smaller kernel, pool size or stride, no dilation, removing a pooling or cropping layer, cropping
or padding a merge's input, a projection (1×1 convolution) on a shortcut, a width that matches.
Every edited spec is validated and traced in full; only those that trace are offered. When no
single change is enough, changes are combined (a short beam search over the changes that move
the refusal further along the network), so a fix may touch several layers.

Fixes are ranked by how little they change: layers touched, then the weights that change (in
the layers edited, removed or added: each layer's weights as its arguments give them on the
channels it receives), then how many of the layers that traced before the refusal change their
output shape, and how much their MACs move, then the totals. Nothing here reads or writes a
file: the caller hands in the JSON and writes the chosen one.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from archplan.engine.trace import LayerRefusalError, Trace, trace_network
from archplan.errors import SpecError
from archplan.layers import Layer
from archplan.layers.base import MergeMismatchError, SlidingWindowLayer
from archplan.layers.merging import MergeLayer
from archplan.rules.shapes import Shape, format_shape
from archplan.schema import Network, parse_spec
from archplan.schema.network import INPUT

Raw = dict[str, Any]
"""A spec file's JSON, as read."""

REMOVABLE = frozenset({"MaxPooling2D", "AveragePooling2D", "Cropping2D"})
"""Layer types whose removal is a change worth offering: they only shrink the maps."""
MAX_STEPS = 3
"""At most this many changes are combined into one fix."""
BEAM = 6
"""Partial fixes carried from one round of changes to the next."""
MAX_TRIES = 1500
"""Edited specs traced at most, so that a large spec gets an answer in a few seconds."""


@dataclass(frozen=True)
class Edit:
    """One change to one layer: set an argument, remove the layer, or insert one before it."""

    description: str
    index: int
    """The layer changed, removed, or (for an insertion) the merge the new layer feeds."""
    kind: str
    """``"set"``, ``"remove"`` or ``"insert"``."""
    field: str = ""
    value: Any = None
    """The argument's new value (``"set"``); the new layer's JSON (``"insert"``)."""
    source: str = ""
    """For an insertion: the merge input the new layer takes, and replaces in the merge."""

    @property
    def touched(self) -> int:
        """Layers it changes: an insertion adds a layer and rewires the merge."""
        return 2 if self.kind == "insert" else 1


@dataclass(frozen=True)
class Fix:
    """Changes that make the spec valid, the edited JSON, and its trace."""

    edits: tuple[Edit, ...]
    data: Raw
    trace: Trace
    weights_changed: int
    """Weights that differ from the original's, layer by layer (added and removed ones too)."""
    prefix_shapes_changed: int
    """Layers that traced before the refusal whose output shape the fix changes."""
    prefix_macs_changed: int
    """How much the MACs of the layers that traced before the refusal move, layer by layer."""

    @property
    def touched(self) -> int:
        return sum(edit.touched for edit in self.edits)

    @property
    def params(self) -> int:
        return self.trace.total_params

    @property
    def macs(self) -> int | None:
        return self.trace.total_macs

    def rank_key(self) -> tuple[float, ...]:
        macs = self.macs if self.macs is not None else float("inf")
        return (
            self.touched,
            self.weights_changed,
            self.prefix_shapes_changed,
            self.prefix_macs_changed,
            self.params,
            macs,
        )


@dataclass(frozen=True)
class Prefix:
    """What the impossible spec traced before the refusal: its layers' parameters and MACs,
    and the original layers by name (to compare a fix with, layer by layer)."""

    layers: int
    params: int
    macs: int
    per_layer: dict[str, tuple[int, int]] = field(default_factory=dict)
    shapes: dict[str, Shape] = field(default_factory=dict)
    original: dict[str, Layer] = field(default_factory=dict)


@dataclass(frozen=True)
class FixReport:
    """The refusal, what traced before it, and the fixes found (best first)."""

    refusal: LayerRefusalError | None
    prefix: Prefix
    fixes: tuple[Fix, ...]
    tried: int


@dataclass(frozen=True)
class _State:
    data: Raw
    network: Network
    refusal: LayerRefusalError
    edits: tuple[Edit, ...] = ()

    @property
    def remaining(self) -> tuple[int, int, int]:
        """How far from valid: the layers from the refusing one to the end; then, for a merge,
        which of its inputs' axes still disagree (rank, then height, width, channels) and by
        how much."""
        problem, shapes = self.refusal.problem, self.refusal.shapes
        axis = gap = 0
        if isinstance(problem, MergeMismatchError):
            axis = 4 if problem.axis is None else max(-problem.axis, 1)
            if problem.axis is not None:
                sizes = (shapes[problem.first][problem.axis], shapes[problem.second][problem.axis])
                gap = abs(sizes[0] - sizes[1])
        return (len(self.network.layers) - self.refusal.node.index, axis, gap)


def find_fixes(data: Raw, *, source: str = "<spec>") -> FixReport:
    """The fixes of the spec ``data`` (a SpecError if it is not even a valid spec file)."""
    network = parse_spec(data, source=source)
    try:
        trace_network(network)
    except LayerRefusalError as refusal:
        return _search(_State(data, network, refusal))
    return FixReport(refusal=None, prefix=Prefix(0, 0, 0), fixes=(), tried=0)


def _search(start: _State) -> FixReport:
    prefix = _prefix(start.network, start.refusal.node.index)
    fixes: dict[str, Fix] = {}
    frontier, seen, tried = [start], {_key(start.data)}, 0
    for depth in range(1, MAX_STEPS + 1):
        partial: list[_State] = []
        for state in frontier:
            for edit in edits(state):
                if tried >= MAX_TRIES:
                    break
                data = apply(edit, state.data, state.network)
                key = _key(data)
                if key in seen:
                    continue
                seen.add(key)
                tried += 1
                outcome = _outcome(data, (*state.edits, edit), prefix)
                if isinstance(outcome, Fix):
                    fixes[key] = outcome
                elif outcome is not None and outcome.remaining < state.remaining:
                    partial.append(outcome)
        fewest = min((fix.touched for fix in fixes.values()), default=None)
        if not partial or (fewest is not None and fewest <= depth):
            break  # one more change could only touch more layers than a fix found
        frontier = sorted(partial, key=lambda s: (s.remaining, len(s.edits)))[:BEAM]
    ranked = sorted(fixes.values(), key=Fix.rank_key)
    return FixReport(refusal=start.refusal, prefix=prefix, fixes=tuple(ranked), tried=tried)


def _key(data: Raw) -> str:
    return json.dumps(data, sort_keys=True)


def _outcome(data: Raw, steps: tuple[Edit, ...], prefix: Prefix) -> Fix | _State | None:
    """A fix if the edited spec traces; a partial state if it is refused further on; None if
    the edit gives an invalid spec (an argument combination Keras refuses)."""
    try:
        network = parse_spec(data)
    except SpecError:
        return None
    try:
        trace = trace_network(network)
    except LayerRefusalError as refusal:
        return _State(data, network, refusal, steps)
    return Fix(
        steps,
        data,
        trace,
        weights_changed=_weights_changed(trace, prefix),
        prefix_shapes_changed=_prefix_shapes_changed(trace, prefix),
        prefix_macs_changed=_prefix_macs_changed(trace, prefix),
    )


def _prefix(network: Network, index: int) -> Prefix:
    """Parameters and MACs of the layers before ``index`` (each layer whatever reaches it)."""
    original = {node.name: node.layer for node in network.nodes()}
    if index == 0:
        return Prefix(0, 0, 0, original=original)
    head = network.model_copy(update={"layers": network.layers[:index]})
    trace = trace_network(head)
    per_layer = {row.name: (row.params, row.macs or 0) for row in trace.layers}
    return Prefix(
        layers=index,
        params=sum(params for params, _ in per_layer.values()),
        macs=sum(macs for _, macs in per_layer.values()),
        per_layer=per_layer,
        shapes={row.name: row.output_shape for row in trace.layers},
        original=original,
    )


ROOMY = 1 << 12
"""A height and width any window fits in: a layer's weights do not depend on them."""


def _own_weights(layer: Layer, shapes: tuple[Shape, ...]) -> int | None:
    """The weights ``layer`` has on inputs with these channels (None if it cannot say)."""
    roomy = tuple((ROOMY, ROOMY, shape[2]) if len(shape) == 3 else shape for shape in shapes)
    try:
        return layer.infer_inputs(roomy).params
    except Exception:
        return None


def _weights_changed(trace: Trace, prefix: Prefix) -> int:
    """Weights that differ between the fix and the original, layer by layer, by name."""
    changed = 0
    seen = set()
    for row in trace.layers:
        seen.add(row.name)
        if row.name in prefix.per_layer:
            changed += abs(row.params - prefix.per_layer[row.name][0])
            continue
        layer = prefix.original.get(row.name)
        before = _own_weights(layer, row.input_shapes) if layer is not None else 0
        changed += abs(row.params - (row.params if before is None else before))
    for name, (params, _) in prefix.per_layer.items():
        changed += params if name not in seen else 0
    return changed


def _prefix_shapes_changed(trace: Trace, prefix: Prefix) -> int:
    rows = {row.name: row.output_shape for row in trace.layers}
    return sum(1 for name, shape in prefix.shapes.items() if rows.get(name) != shape)


def _prefix_macs_changed(trace: Trace, prefix: Prefix) -> int:
    rows = {row.name: row.macs or 0 for row in trace.layers}
    return sum(abs(rows.get(name, 0) - macs) for name, (_, macs) in prefix.per_layer.items())


# The changes worth trying.


def edits(state: _State) -> Iterator[Edit]:
    """Every change to try at this refusal: on the layers that feed the refusing one, and on the
    merge's inputs when a merge refuses."""
    refusal = state.refusal
    nodes = state.network.nodes()
    for index in sorted(_ancestors(nodes, refusal.node.index)):
        yield from _layer_edits(index, nodes[index].name, nodes[index].layer)
    if isinstance(refusal.problem, MergeMismatchError):
        yield from _merge_edits(refusal, refusal.problem, nodes)


def _ancestors(nodes: list[Any], index: int) -> set[int]:
    """``index`` and every layer whose output reaches it."""
    positions = {node.name: node.index for node in nodes}
    found, waiting = {index}, [index]
    while waiting:
        for name in nodes[waiting.pop()].inputs:
            position = positions.get(name)
            if position is not None and position not in found:
                found.add(position)
                waiting.append(position)
    return found


def _label(index: int, name: str, layer: Layer) -> str:
    return f"layers[{index}] ({name!r}, {layer.keras_class})"


def _pair_text(value: Any) -> str:
    return "×".join(map(str, value)) if isinstance(value, tuple) else str(value)


def _layer_edits(index: int, name: str, layer: Layer) -> Iterator[Edit]:
    """padding='same'; smaller kernel, pool size, strides; no dilation; removal."""
    where = _label(index, name, layer)
    if isinstance(layer, SlidingWindowLayer) and layer.padding == "valid":
        yield Edit(f"{where}: padding 'valid' → 'same'", index, "set", "padding", "same")
    for argument in ("kernel_size", "pool_size"):
        size = getattr(layer, argument, None)
        if isinstance(size, tuple) and not layer.keras_class.endswith("Transpose"):
            for smaller in range(max(size) - 1, 0, -1):
                yield Edit(
                    f"{where}: {argument} {_pair_text(size)} → {smaller}",
                    index, "set", argument, smaller,
                )  # fmt: skip
    if isinstance(layer, SlidingWindowLayer):
        strides = layer.window_strides()
        for smaller in range(max(strides) - 1, 0, -1):
            yield Edit(
                f"{where}: strides {_pair_text(strides)} → {smaller}", index, "set", "strides",
                smaller,
            )  # fmt: skip
    dilation = getattr(layer, "dilation_rate", None)
    if isinstance(dilation, tuple) and max(dilation) > 1:
        yield Edit(f"{where}: dilation_rate {_pair_text(dilation)} → 1", index, "set",
                   "dilation_rate", 1)  # fmt: skip
    if layer.keras_class in REMOVABLE:
        yield Edit(f"{where}: removed", index, "remove")


def _merge_edits(
    refusal: LayerRefusalError, mismatch: MergeMismatchError, nodes: list[Any]
) -> Iterator[Edit]:
    """Widths that match; cropping, padding or a projection on one of the merge's inputs."""
    merge = refusal.node
    names, shapes = merge.inputs, refusal.shapes
    first, second = mismatch.first, mismatch.second
    pairs = ((first, second), (second, first))
    if mismatch.axis == -1:
        for this, other in pairs:
            yield from _width_edits(names[this], shapes[other][-1], nodes)
            if isinstance(merge.layer, MergeLayer) and merge.layer.keras_class != "Concatenate":
                yield _projection(merge, names[this], shapes[this], shapes[other], 1)
    elif mismatch.axis is not None and all(len(shapes[i]) == 3 for i in (first, second)):
        for this, other in pairs:
            yield from _resize_edits(merge, names[this], shapes[this], shapes[other])


def _width_edits(name: str, channels: int, nodes: list[Any]) -> Iterator[Edit]:
    """``filters`` (or ``units``) set to ``channels`` on the layer that chose the width."""
    by_name = {node.name: node for node in nodes}
    node = by_name.get(name)
    while node is not None:
        argument = node.layer.width_argument
        if argument is not None:
            where = _label(node.index, node.name, node.layer)
            current = getattr(node.layer, argument)
            yield Edit(f"{where}: {argument} {current} → {channels}", node.index, "set",
                       argument, channels)  # fmt: skip
            return
        node = by_name.get(node.inputs[0]) if len(node.inputs) == 1 else None


def _resize_edits(merge: Any, name: str, shape: Shape, target: Shape) -> Iterator[Edit]:
    """Crop the larger input, pad the smaller, or project it by an integer stride."""
    height, width = shape[0] - target[0], shape[1] - target[1]
    where = f"{merge.label}'s input {name!r}"
    if height >= 0 and width >= 0:
        cropping = [[height // 2, height - height // 2], [width // 2, width - width // 2]]
        yield _insertion(
            merge, name, {"type": "Cropping2D", "cropping": cropping}, "crop",
            f"insert Cropping2D({cropping}) on {where}: {format_shape(shape)} → "
            f"{format_shape((*target[:2], shape[2]))}",
        )  # fmt: skip
        factors = (shape[0] // target[0], shape[1] // target[1])
        exact = all(s == t * factors[0] for s, t in zip(shape[:2], target[:2], strict=True))
        if factors[0] == factors[1] > 1 and exact:
            yield _projection(merge, name, shape, target, factors[0])
    if height <= 0 and width <= 0:
        padding = [[-height // 2, -height - -height // 2], [-width // 2, -width - -width // 2]]
        yield _insertion(
            merge, name, {"type": "ZeroPadding2D", "padding": padding}, "pad",
            f"insert ZeroPadding2D({padding}) on {where}: {format_shape(shape)} → "
            f"{format_shape((*target[:2], shape[2]))}",
        )  # fmt: skip


def _projection(merge: Any, name: str, shape: Shape, target: Shape, stride: int) -> Edit:
    """A 1×1 convolution to the other input's channels (and size, by its stride)."""
    layer: Raw = {"type": "Conv2D", "filters": target[-1], "kernel_size": 1}
    if stride > 1:
        layer["strides"] = stride
    if len(shape) != 3:
        layer = {"type": "Dense", "units": target[-1]}
    if len(shape) == 3:
        what = f"a 1×1 Conv2D, {target[-1]} filters" + (f", strides {stride}" if stride > 1 else "")
    else:
        what = f"a Dense layer of {target[-1]} units"
    size = target[:-1] if stride > 1 else shape[:-1]
    return _insertion(
        merge, name, layer, "proj",
        f"insert a projection ({what}) on {merge.label}'s input {name!r}: "
        f"{format_shape(shape)} → {format_shape((*size, target[-1]))}",
    )  # fmt: skip


def _insertion(merge: Any, source: str, layer: Raw, suffix: str, description: str) -> Edit:
    return Edit(description, merge.index, "insert", value={**layer, "name": f"{source}_{suffix}"},
                source=source)  # fmt: skip


# Applying a change to the spec's JSON.


def apply(edit: Edit, data: Raw, network: Network) -> Raw:
    """The spec's JSON with ``edit`` made; the input is left as it was."""
    edited = copy.deepcopy(data)
    layers: list[Raw] = edited["layers"]
    if edit.kind == "set":
        layers[edit.index][edit.field] = edit.value
    elif edit.kind == "remove":
        edited["layers"] = _removed(layers, edit.index, network)
    else:
        edited["layers"] = _inserted(layers, edit, network)
    return edited


def _pinned(layers: list[Raw], names: list[str]) -> list[Raw]:
    """Every layer another one names in ``inputs`` gets its (automatic) name written down, so
    removing or inserting a layer cannot renumber what the references point at."""
    referenced = {name for layer in layers for name in layer.get("inputs") or ()}
    return [
        {**layer, "name": name} if name in referenced and "name" not in layer else layer
        for layer, name in zip(layers, names, strict=True)
    ]


def _removed(layers: list[Raw], index: int, network: Network) -> list[Raw]:
    """Layer ``index`` gone; whatever took its output takes its input instead."""
    names = network.layer_names()
    nodes = network.nodes()
    taken = nodes[index].inputs[0]
    pinned = _pinned(layers, names)
    gone = names[index]
    kept: list[Raw] = []
    for position, layer in enumerate(pinned):
        if position == index:
            continue
        if layer.get("inputs"):
            layer = {**layer, "inputs": [taken if n == gone else n for n in layer["inputs"]]}
        elif position == index + 1 and taken != (names[index - 1] if index else INPUT):
            layer = {**layer, "inputs": [taken]}  # it took the removed layer, not the one before
        kept.append(layer)
    return kept


def _inserted(layers: list[Raw], edit: Edit, network: Network) -> list[Raw]:
    """A new layer on the merge's input ``edit.source``, just before the merge, which takes it."""
    pinned = _pinned(layers, network.layer_names())
    taken = set(network.layer_names())
    new = dict(edit.value)
    name, count = new["name"], 1
    while name in taken:
        count += 1
        name = f"{new['name']}{count}"
    new = {**new, "name": name, "inputs": [edit.source]}
    merge = dict(pinned[edit.index])
    merge["inputs"] = [name if n == edit.source else n for n in merge["inputs"]]
    return [*pinned[: edit.index], new, merge, *pinned[edit.index + 1 :]]
