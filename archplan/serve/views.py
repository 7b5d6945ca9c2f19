"""What the page shows, computed from the editor's text: plain JSON-ready data, no web framework.

Every view takes the spec as text (what the editor holds), so the page never sends anything the
server would run: the text is parsed as strict JSON (:func:`archplan.files.reading.parse_json`),
validated as a spec and traced by the engine. A problem becomes ``{"ok": false, "error": LINE}``
with the layer it names, never an exception out of here for bad input.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from archplan.engine.summary import summarize
from archplan.engine.trace import LayerRefusalError, Trace, trace_network
from archplan.errors import ArchplanError
from archplan.files.reading import parse_json
from archplan.messages import visible_lines
from archplan.report.data import trace_record
from archplan.rules.shapes import format_shape
from archplan.rules.sizes import DTYPE_BYTES, readable_size
from archplan.schema import Network, parse_spec
from archplan.schema.defaults import MAX_BATCH_SIZE

FIXES_SHOWN = 10
"""Fixes offered as buttons: the best ones, as ``archplan fix`` lists them."""
MAX_LAYERS = 5_000
"""The largest spec the page traces: a table of more rows is no longer read, and each keystroke
would cost a second; ``archplan trace`` takes any size."""
MAX_FIX_LAYERS = 1_000
"""The largest spec the page looks for fixes of: the search traces up to 1,500 edited specs, a
few seconds for ResNet-50's 176 layers, far too long for a spec pasted with tens of thousands."""
MAX_DIAGRAM_LAYERS = 1_000
"""The largest spec the page draws: Graphviz' layout of more boxes takes minutes."""
_LAYER_INDEX = re.compile(r"layers\[(\d+)\]")


class BadRequestError(ArchplanError):
    """A request the page should not have sent (a dtype that does not exist): one line back."""


@dataclass(frozen=True)
class Parsed:
    """The editor's text as JSON, as a validated spec, and its trace."""

    data: dict[str, Any]
    network: Network
    trace: Trace


def parse_text(text: str, source: str) -> Parsed:
    """The spec in ``text``; raises the ArchplanError the CLI would print for the same file."""
    data = parse_json(text, source, allow_nan=True)
    layers = data.get("layers") if isinstance(data, dict) else None
    if isinstance(layers, list) and len(layers) > MAX_LAYERS:
        raise ArchplanError(
            f"{source}: {len(layers):,} layers, more than the page traces as you type "
            f"({MAX_LAYERS:,}); archplan trace {source} traces it"
        )
    network = parse_spec(data, source=source, default_name=_stem(source))
    try:
        trace = trace_network(network)
    except LayerRefusalError as refusal:
        raise LayerRefusalError(
            f"{source}: {refusal}", refusal.node, refusal.shapes, refusal.problem
        ) from None
    return Parsed(data=data, network=network, trace=trace)


def _stem(source: str) -> str:
    name = source.rsplit("/", 1)[-1]
    return name.removesuffix(".json") or "network"


def bytes_per_value(dtype: str) -> int:
    """What one value of ``dtype`` costs; an unknown dtype is the page's mistake, said so."""
    size = DTYPE_BYTES.get(dtype)
    if size is None:
        raise BadRequestError(f"dtype {dtype!r}: choose one of {', '.join(DTYPE_BYTES)}")
    return size


def batch_size(value: Any) -> int | None:
    """None (the spec's own batch size) or a whole number from 1 to the largest batch."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_BATCH_SIZE:
        raise BadRequestError(
            f"batch size {value!r}: give a whole number from 1 to "
            f"{MAX_BATCH_SIZE:,}, or leave it empty for the spec's own"
        )
    return value


def error_view(error: ArchplanError) -> dict[str, Any]:
    """A refusal for the page: the message, the layer it names (if any), whether fix may help."""
    message = visible_lines(str(error))
    index: int | None
    if isinstance(error, LayerRefusalError):
        index = error.node.index
    else:
        found = _LAYER_INDEX.search(message)
        index = int(found.group(1)) if found else None
    return {
        "ok": False,
        "error": message,
        "layer": index,
        "fixable": isinstance(error, LayerRefusalError),
    }


def trace_view(text: str, *, source: str, dtype: str, batch: Any) -> dict[str, Any]:
    """The trace table, totals and memory estimate of the spec in ``text``, or its refusal."""
    size = bytes_per_value(dtype)
    chosen_batch = batch_size(batch)
    try:
        parsed = parse_text(text, source)
    except ArchplanError as error:
        return error_view(error)
    record = trace_record(summarize(parsed.trace, bytes_per_value=size, batch_size=chosen_batch))
    for row in record["layers"]:
        row["input_shapes_text"] = ", ".join(format_shape(tuple(s)) for s in row["input_shapes"])
        row["output_shape_text"] = format_shape(tuple(row["output_shape"]))
    record["readable"] = _readable(record)
    record["dtype"] = dtype
    return {"ok": True, "trace": record}


def _readable(record: dict[str, Any]) -> dict[str, str]:
    """The sizes of the totals and of the memory estimate, as Keras' summary prints sizes."""
    memory = record["memory"]
    training = memory["training"]
    return {
        "total_params": readable_size(record["total_params_bytes"]),
        "trainable_params": readable_size(record["trainable_params_bytes"]),
        "non_trainable_params": readable_size(record["non_trainable_params_bytes"]),
        "activations_per_sample": readable_size(memory["activation_bytes_per_sample"]),
        "activations_per_batch": readable_size(memory["activation_bytes_per_batch"]),
        **{key: readable_size(training[key]) for key in (
            "params_bytes", "gradients_bytes", "optimizer_bytes", "input_bytes",
            "activation_bytes", "total_bytes")},
    }  # fmt: skip


def diagram_svg(text: str, *, source: str) -> bytes:
    """The diagram ``archplan plot`` draws, as SVG; raises the spec's ArchplanError."""
    from archplan.report.diagram import render  # Graphviz bindings: only when drawing

    trace = parse_text(text, source).trace
    if len(trace.layers) > MAX_DIAGRAM_LAYERS:
        raise ArchplanError(
            f"{source}: {len(trace.layers):,} layers, more than the page draws "
            f"({MAX_DIAGRAM_LAYERS:,}); archplan plot {source} -o network.svg draws it"
        )
    return render(trace, "svg")


def fix_view(text: str, *, source: str) -> dict[str, Any]:
    """``archplan fix``'s ranked repairs of the spec in ``text``, each with its whole spec."""
    from archplan.planner.fix import find_fixes

    try:
        data = parse_json(text, source, allow_nan=True)
        network = parse_spec(data, source=source)
    except ArchplanError as error:
        return error_view(error)
    if len(network.layers) > MAX_FIX_LAYERS:
        message = (f"{len(network.layers):,} layers, more than the page looks for fixes in "
                   f"({MAX_FIX_LAYERS:,}); run archplan fix on the file")  # fmt: skip
        return {"ok": False, "error": message, "layer": None, "fixable": False}
    report = find_fixes(data, source=source)
    if report.refusal is None:
        return {"ok": True, "refusal": None, "fixes": [], "tried": report.tried}
    fixes = [
        {
            "rank": rank,
            "changes": [visible_lines(edit.description) for edit in fix.edits],
            "params": fix.params,
            "macs": fix.macs,
            "output_shape": format_shape(fix.trace.output_shape),
            "spec": spec_text(fix.data),
        }
        for rank, fix in enumerate(report.fixes[:FIXES_SHOWN], start=1)
    ]
    return {
        "ok": True,
        "refusal": visible_lines(str(report.refusal)),
        "fixes": fixes,
        "found": len(report.fixes),
        "tried": report.tried,
    }


def spec_text(data: dict[str, Any]) -> str:
    """A spec's JSON as the editor shows it and as a saved file holds it: one layer a line."""
    layers = data.get("layers")
    if not isinstance(layers, list):
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    head = {key: value for key, value in data.items() if key != "layers"}
    lines = [f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}," for key, value in
             head.items() if key != "training"]  # fmt: skip
    rows = ",\n".join(f"    {json.dumps(layer, ensure_ascii=False)}" for layer in layers)
    lines.append(f'  "layers": [\n{rows}\n  ]' + ("," if "training" in head else ""))
    if "training" in head:
        training = json.dumps(head["training"], indent=2, ensure_ascii=False)
        lines.append('  "training": ' + training.replace("\n", "\n  "))
    return "{\n" + "\n".join(lines) + "\n}\n"


def compare_view(specs: list[tuple[str, str]], *, dtype: str, batch: Any) -> dict[str, Any]:
    """``archplan compare`` of the specs given as (source, text): each row's values, the best
    starred; a spec that does not trace is named in one line."""
    from archplan.report.compare import ROWS, best, compared

    size = bytes_per_value(dtype)
    chosen_batch = batch_size(batch)
    traces = []
    for source, text in specs:
        try:
            trace = parse_text(text, source).trace
        except ArchplanError as error:
            return error_view(error)
        traces.append((source, summarize(trace, bytes_per_value=size, batch_size=chosen_batch)))
    networks = compared(traces)
    rows = [
        {
            "label": row.label,
            "values": [row.text(row.value(network)) for network in networks],
            "best": sorted(best(row, networks)),
        }
        for row in ROWS
    ]
    return {
        "ok": True,
        "networks": [visible_lines(network.label) for network in networks],
        "rows": rows,
        "batch_sizes": [network.memory.batch_size for network in networks],
    }


STARTER_VALUES: dict[str, Any] = {
    "filters": 16, "kernel_size": 3, "units": 64, "activation": "relu", "rate": 0.25,
    "pool_size": 2, "target_shape": [-1], "scale": 0.00392156862745098, "height": 24,
    "width": 24, "factor": 0.1, "height_factor": 0.1, "width_factor": 0.1,
    "input_dim": 1000, "output_dim": 64, "num_heads": 4, "key_dim": 32, "dims": [2, 1, 3], "n": 4,
}  # fmt: skip
"""A value for each argument a new layer must have, so that an added layer starts out valid
(a merge's ``inputs`` is left to the user: it names layers of their network)."""


def layer_catalogue() -> list[dict[str, Any]]:
    """Every layer type the spec format knows, from its JSON Schema: the type's Keras name, its
    description's first line, its arguments (default, allowed values) and a starter layer."""
    from archplan.schema.network import network_json_schema

    schema = network_json_schema()
    mapping = schema["properties"]["layers"]["items"]["discriminator"]["mapping"]
    catalogue: dict[str, dict[str, Any]] = {}
    for reference in mapping.values():
        definition = schema["$defs"][reference.rsplit("/", 1)[-1]]
        properties = definition["properties"]
        kind = properties["type"].get("enum", [properties["type"].get("const")])[0]
        if kind in catalogue:
            continue
        required = [name for name in definition.get("required", []) if name != "type"]
        starter: dict[str, Any] = {"type": kind}
        starter.update({name: STARTER_VALUES[name] for name in required if name in STARTER_VALUES})
        catalogue[kind] = {
            "type": kind,
            "description": (definition.get("description") or "").split("\n", 1)[0],
            "arguments": [
                {"name": name, "required": name in required, "default": spec.get("default"),
                 "choices": spec.get("enum")}
                for name, spec in properties.items() if name != "type"
            ],
            "starter": starter,
        }  # fmt: skip
    return sorted(catalogue.values(), key=lambda entry: str(entry["type"]))
