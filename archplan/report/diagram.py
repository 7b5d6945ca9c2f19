"""``archplan plot``: a traced network as a Graphviz diagram, one box per layer.

Like Keras' ``plot_model(show_shapes=True)``, but drawn from the trace, so no model is built. Each
box shows the layer's name and type, the arguments that shape it, and its input and output shapes;
an arrow runs from every output a layer takes to it, so branches and merges show as drawn in the
spec. A layer the output does not depend on gets a pale orange header and dashed arrows.
Graphviz lays the boxes out and renders them (its ``dot`` program must be installed); this module
imports the ``graphviz`` package, so only the ``plot`` command imports it, and only when it runs.
"""

from __future__ import annotations

from html import escape

import graphviz  # type: ignore[import-untyped]

from archplan.engine.trace import LayerTrace, Trace
from archplan.errors import ArchplanError
from archplan.messages import visible
from archplan.rules.shapes import format_shape
from archplan.schema.network import INPUT

FORMATS = ("svg", "png")
FONT = "Helvetica,Arial,sans-serif"
HEADER_COLOUR = "#dbe7f4"
INPUT_COLOUR = "#eeeeee"
MUTED_COLOUR = "#555555"
UNUSED_COLOUR = "#f4e3c4"
PNG_DPI = "96"
"""Graphviz renders PNG at 72 dpi unless told; SVG keeps its own units (a dpi would scale it)."""


def _html(text: str) -> str:
    """Text from a spec inside a Graphviz HTML-like label: markup escaped, control characters
    shown (a plain label would also read backslashes as escapes: a name ending in one broke it)."""
    return escape(visible(text))


def _box(header: str, colour: str, *lines: str) -> str:
    """An HTML-like Graphviz label: a coloured header cell and one cell per line of text."""
    rows = [f'<tr><td bgcolor="{colour}">{header}</td></tr>']
    rows += [f"<tr><td>{_html(line)}</td></tr>" for line in lines if line]
    table = '<table border="0" cellborder="1" cellspacing="0" cellpadding="5">'
    return f"<{table}{''.join(rows)}</table>>"


def _layer_box(layer: LayerTrace) -> str:
    header = f"<b>{_html(layer.name)}</b> ({_html(layer.type)})"
    inputs = layer.input_shapes or (layer.input_shape,)
    shapes = f"{', '.join(map(format_shape, inputs))} → {format_shape(layer.output_shape)}"
    colour = HEADER_COLOUR if layer.reaches_output else UNUSED_COLOUR
    return _box(header, colour, layer.arguments, shapes)


def network_graph(trace: Trace, *, dpi: str | None = None) -> graphviz.Digraph:
    """The diagram: the input, then every layer, with an arrow from each output it takes."""
    graph = graphviz.Digraph(
        name="network",  # Graphviz' own identifier: the name is in the label, escaped there
        graph_attr={"rankdir": "TB", "ranksep": "0.3", "fontname": FONT,
                    "label": f"<{_html(trace.name)}>",
                    "labelloc": "t", "fontsize": "16", **({"dpi": dpi} if dpi else {})},
        node_attr={"shape": "plaintext", "fontname": FONT, "fontsize": "12"},
        edge_attr={"color": MUTED_COLOUR, "arrowsize": "0.7"},
    )  # fmt: skip
    shape = format_shape(trace.input_shape)
    graph.node(INPUT, _box("<b>input</b> (InputLayer)", INPUT_COLOUR, shape))
    nodes = {INPUT: INPUT}
    previous = INPUT
    for layer in trace.layers:
        node = f"layer{layer.index}"
        graph.node(node, _layer_box(layer))
        edge_style = {} if layer.reaches_output else {"style": "dashed"}
        for name in layer.inputs or (previous,):
            graph.edge(nodes[name], node, **edge_style)
        nodes[layer.name] = node
        previous = layer.name
    return graph


def render(trace: Trace, fmt: str) -> bytes:
    """The diagram as ``svg`` or ``png`` bytes; a missing Graphviz is the user's to fix."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown diagram format {fmt!r}")
    try:
        graph = network_graph(trace, dpi=PNG_DPI if fmt == "png" else None)
        data: bytes = graph.pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        raise ArchplanError(
            "plot needs Graphviz' 'dot' program, which is not on PATH; install Graphviz "
            "(on Debian or Ubuntu: apt-get install graphviz, which 'make run' does) and rerun"
        ) from None
    return data
