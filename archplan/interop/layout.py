"""How a spec's graph is laid out for Keras: a chain (``keras.Sequential``) or a graph."""

from __future__ import annotations

from archplan.schema.network import INPUT, Node


def is_chain(nodes: list[Node]) -> bool:
    """Each layer takes the one before it (the first: the input), and none is a merge: what
    ``keras.Sequential`` builds."""
    previous = INPUT
    for node in nodes:
        if node.layer.merges or node.layer.input_count[1] > 1 or node.inputs != (previous,):
            return False
        previous = node.name
    return True
