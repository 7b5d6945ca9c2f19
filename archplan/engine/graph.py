"""The network as a graph: which layers reach the output, and which outputs nothing uses.

Keras builds a functional model from the output back to the input, so a layer whose output no
later layer takes (and that is not the last layer) is left out of the model, with every layer only
it uses. archplan still traces such layers (their shapes are shown) but warns about them and, like
Keras, leaves them out of the totals.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from archplan.schema.network import Node


class Wired(Protocol):
    """A layer's place in the graph: its name and the names of the outputs it takes."""

    @property
    def name(self) -> str: ...
    @property
    def inputs(self) -> tuple[str, ...]: ...


def reaching_output(nodes: Sequence[Wired]) -> set[str]:
    """The names of the layers the output depends on: Keras' model keeps these."""
    if not nodes:
        return set()
    by_name = {node.name: node for node in nodes}
    reached = {nodes[-1].name}
    waiting = [nodes[-1]]
    while waiting:
        for name in waiting.pop().inputs:
            if name in by_name and name not in reached:
                reached.add(name)
                waiting.append(by_name[name])
    return reached


def unused_outputs(nodes: list[Node]) -> list[Node]:
    """Layers, other than the last, whose output no later layer takes."""
    used = {name for node in nodes for name in node.inputs}
    return [node for node in nodes[:-1] if node.name not in used]


def unused_warning(node: Node) -> str:
    """One line saying what an unused output means and how to fix it."""
    return (
        f"{node.label}: its output is not used "
        "by any later layer, so Keras leaves it (and any layer only it uses) out of the model, "
        "and archplan out of the totals; name it in a later layer's inputs, or remove it"
    )
