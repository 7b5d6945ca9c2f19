"""``archplan import``: a Keras model file as an archplan spec, checked against what Keras wrote.

The model's configuration is read (never its weights), flattened into one graph, and each call
becomes a spec layer with the same name, type and non-default arguments. Layers archplan does not
model yet are listed, each class with how many times and where it occurs; ``partial`` cuts the
model before the first of them instead. The spec is then traced, and every layer's output shape is
compared with the shape Keras wrote down for it when the model was built: the import is only
returned when both agree.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archplan.engine.trace import Trace, trace_network
from archplan.errors import ArchplanError, MismatchError, SpecError
from archplan.interop.compiled import training_block
from archplan.interop.files import read_model_config
from archplan.interop.from_keras import KERAS_CLASSES, RESCALED, Notes, Unsupported, convert
from archplan.interop.graph import INPUT, KerasGraph, KerasNode, KerasShape, flatten, reaching
from archplan.rules.shapes import Shape, format_shape
from archplan.schema import Network, parse_spec

EXAMPLE_SIDE = 224
"""The size suggested for an input axis a model leaves open (ImageNet models' usual one)."""


class UnsupportedLayersError(ArchplanError):
    """The model holds layers archplan does not model yet (and the import was not partial)."""


@dataclass(frozen=True)
class Imported:
    """A model imported as a spec: the JSON data, the spec it validates to, its trace."""

    spec: dict[str, Any]
    network: Network
    trace: Trace
    notes: tuple[str, ...] = ()
    """Settings left out of the spec (one line each), and what was renamed."""
    cut: str | None = None
    """With ``partial``: where the model was cut, and what was left out."""


def import_model(
    path: Path, *, partial: bool = False, input_shape: Shape | None = None
) -> Imported:
    """The spec of the Keras model in ``path`` (``.keras`` file or JSON configuration).

    ``input_shape`` (no batch axis) replaces the model's own, or fills the sizes it leaves open.
    """
    model = read_model_config(path)
    graph = flatten(model)
    description = f"Imported from {Path(model.source).name}" + (
        f" (Keras {model.keras_version})" if model.keras_version else ""
    )
    return import_graph(
        graph,
        source=model.source,
        description=description,
        partial=partial,
        input_shape=input_shape,
        compile_config=model.compile_config,
    )


def import_graph(
    graph: KerasGraph,
    *,
    source: str,
    description: str,
    partial: bool = False,
    input_shape: Shape | None = None,
    compile_config: Any = None,
    framework: str = "Keras",
    recorded_params: dict[str, int] | None = None,
) -> Imported:
    """The spec of a model read as one graph of Keras calls (from a Keras configuration, or from
    another framework's module graph): unsupported calls listed or cut, the spec traced, and the
    shapes (and weights, where given) the framework recorded checked against the trace.
    ``input_shape`` without ``recorded_params``: another size than the one recorded, so the
    recorded shapes are not compared."""
    shape = _input_shape(graph, input_shape, source)
    notes = Notes()
    converted = [(node, convert(node, notes)) for node in graph.nodes]
    unsupported = [result for _, result in converted if isinstance(result, Unsupported)]
    cut = None
    if unsupported:
        if not partial:
            try:  # the advice is given only where it works
                import_graph(
                    graph,
                    source=source,
                    description=description,
                    partial=True,
                    input_shape=input_shape,
                    compile_config=compile_config,
                    framework=framework,
                    recorded_params=recorded_params,
                )
            except ArchplanError:
                advice = False
            else:
                advice = True
            raise UnsupportedLayersError(_unsupported_message(source, unsupported, advice))
        converted, cut = _cut(source, converted, unsupported[0])
    spec: dict[str, Any] = {
        "name": graph.name,
        "description": description,
        "input": {"shape": list(shape)},
        "layers": _spec_layers(converted),
    }
    training = training_block(compile_config, notes)
    if training is not None:
        spec["training"] = training
    network = parse_spec(spec, source=source)
    try:
        trace = trace_network(network)
    except SpecError as error:
        raise SpecError(f"{source}: the imported spec does not trace: {error}") from None
    if input_shape is None or recorded_params is not None:
        _check_recorded_shapes(source, trace, graph, framework)
    if recorded_params is not None:
        _check_recorded_params(source, trace, recorded_params, framework)
    return Imported(spec, network, trace, tuple(_note_lines(notes, graph)), cut)


def _input_shape(graph: KerasGraph, given: Shape | None, source: str) -> Shape:
    if given is not None:
        return given
    shape = graph.input_shape
    if shape is None:
        raise ArchplanError(
            f"{source}: the model's input shape is not in its configuration (a Sequential model "
            "never built); give it, e.g. --input-shape 32,32,3"
        )
    if any(size is None for size in shape):
        example = ",".join(str(size or EXAMPLE_SIDE) for size in shape)
        raise ArchplanError(
            f"{source}: the model's input shape {_keras_shape(shape)} leaves sizes open "
            f"(None); a plan needs them: give them, e.g. --input-shape {example}"
        )
    return tuple(size for size in shape if size is not None)


def _keras_shape(shape: KerasShape) -> str:
    return "(" + ", ".join("None" if size is None else str(size) for size in shape) + ")"


def _unsupported_message(source: str, unsupported: list[Unsupported], partial: bool) -> str:
    """One line: each unsupported kind with its count and where it occurs, each layer with a
    value archplan refuses, then the way out."""
    where: dict[str, list[str]] = defaultdict(list)
    for item in unsupported:
        if not item.invalid:
            where[item.what].append(item.node.path)
    parts = []
    if where:
        kinds = "; ".join(
            f"{what} ×{len(paths)} ({_listed(paths)})" for what, paths in where.items()
        )
        count = len(where)
        parts.append(
            f"{count} kind{'s' * (count != 1)} of layer archplan does not model yet: {kinds}"
        )
    invalid = [item for item in unsupported if item.invalid]
    if invalid:
        shown = "; ".join(f"{item.node.path} ({item.what})" for item in invalid[:3])
        more = f"; and {len(invalid) - 3} more" if len(invalid) > 3 else ""
        parts.append(
            f"{len(invalid)} layer{'s' * (len(invalid) != 1)} with a value archplan's rules "
            f"refuse: {shown}{more} (fix it where the model is built and save it again)"
        )
    if partial:
        parts.append(
            f"--partial imports the model up to the first of them ({unsupported[0].node.path})"
        )
    return f"{source}: {'; '.join(parts)}"


def _listed(paths: list[str], shown: int = 3) -> str:
    if len(paths) <= shown + 1:
        return ", ".join(paths)
    return ", ".join(paths[:shown]) + f", ... {paths[-1]}"


Converted = list[tuple[KerasNode, "dict[str, Any] | Unsupported"]]


def _cut(source: str, converted: Converted, first: Unsupported) -> tuple[Converted, str]:
    """The calls before ``first``, narrowed to those the last of them depends on."""
    index = next(i for i, (node, _) in enumerate(converted) if node is first.node)
    kept = converted[:index]
    if not kept:
        raise UnsupportedLayersError(
            f"{source}: --partial keeps nothing: the first layer, {first.node.path} "
            f"({first.what}), is already one archplan "
            + ("cannot plan with its values" if first.invalid else "does not model")
        )
    output = kept[-1][0].name
    needed = {node.name for node in reaching([node for node, _ in kept], output)}
    kept = [(node, result) for node, result in kept if node.name in needed]
    left_out = len(converted) - len(kept)
    message = (
        f"cut before {first.node.path} ({first.what}); the spec ends at {output!r}: "
        f"{len(kept)} of the model's {len(converted)} layers, {left_out} left out"
    )
    return kept, message


def _spec_layers(converted: Converted) -> list[dict[str, Any]]:
    """Each call as a spec layer: type, name, arguments, and ``inputs`` where it does not take
    the layer just before it."""
    layers = []
    previous = INPUT
    for node, result in converted:
        assert not isinstance(result, Unsupported)  # cut or refused before
        layer = {"type": result["type"], "name": node.name}
        layer.update({key: value for key, value in result.items() if key not in ("type", RESCALED)})
        inputs = list(node.inputs)
        if RESCALED in result:  # x + scale·r: r rescaled first, by a layer of its own
            index, scale = result[RESCALED]
            scaled = f"{node.name}_scaled"
            layers.append({"type": "Rescaling", "name": scaled, "scale": scale,
                           "inputs": [inputs[index]]})  # fmt: skip
            inputs[index] = scaled
        layer_class = KERAS_CLASSES[result["type"]]
        if inputs[:1] == inputs[1:] and layer_class.input_count[1] > 1:
            inputs = inputs[:1]  # MultiHeadAttention(x, x): self-attention, one input
        if inputs != [previous] or layer_class.merges:
            layer["inputs"] = inputs
        layers.append(layer)
        previous = node.name
    return layers


def _check_recorded_shapes(source: str, trace: Trace, graph: KerasGraph, framework: str) -> None:
    """Every output shape the framework recorded (Keras: where a later layer takes it) must be
    the engine's."""
    differing = []
    for row in trace.layers:
        recorded = graph.recorded_shapes.get(row.name)
        if recorded is None or None in recorded or tuple(recorded) == row.output_shape:
            continue
        differing.append(
            f"{row.name} ({row.type}): archplan {format_shape(row.output_shape)}, "
            f"{framework} {format_shape(recorded)}"
        )
    if differing:
        raise MismatchError(
            f"{source}: archplan and the shapes {framework} recorded disagree on {len(differing)} "
            f"layer{'s' * (len(differing) != 1)}: {'; '.join(differing[:3])} (a bug in archplan: "
            "please report it with the model file)"
        )


def _check_recorded_params(
    source: str, trace: Trace, recorded: dict[str, int], framework: str
) -> None:
    """Every layer's weights as the framework counts them must be the engine's."""
    differing = [
        f"{row.name} ({row.type}): archplan {row.params:,}, {framework} {recorded[row.name]:,}"
        for row in trace.layers
        if row.name in recorded and recorded[row.name] != row.params
    ]
    if differing:
        raise MismatchError(
            f"{source}: archplan and {framework} count different weights on {len(differing)} "
            f"layer{'s' * (len(differing) != 1)}: {'; '.join(differing[:3])} (a bug in archplan: "
            "please report it with the model)"
        )


def _note_lines(notes: Notes, graph: KerasGraph) -> list[str]:
    lines = notes.lines()
    if graph.renamed:
        shown = ", ".join(f"{path} → {name}" for path, name in graph.renamed[:3])
        more = f" and {len(graph.renamed) - 3} more" if len(graph.renamed) > 3 else ""
        lines.append(f"renamed, as their names were taken: {shown}{more}")
    return lines


def spec_text(spec: dict[str, Any]) -> str:
    """The spec as archplan's own spec files lay it out: one layer per line."""
    items = []
    for key, value in spec.items():
        if key == "layers":
            rows = ",\n".join(f"    {json.dumps(layer, ensure_ascii=False)}" for layer in value)
            items.append(f'  "layers": [\n{rows}\n  ]')
        else:
            text = json.dumps(value, ensure_ascii=False, indent=2 if key == "training" else None)
            items.append(f"  {json.dumps(key)}: {text.replace(chr(10), chr(10) + '  ')}")
    return "{\n" + ",\n".join(items) + "\n}\n"
