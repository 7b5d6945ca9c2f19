"""archplan: plan a convnet's shapes and parameters before training it, exactly as Keras would.

The library in two calls (docs/library.md)::

    import archplan
    traced = archplan.trace("specs/tutorial-convnet.json")
    print(traced)                      # the table archplan trace prints
    traced.layers[0].output_shape      # (32, 32, 64)
    traced.with_layer(0, padding="valid").total_params
    archplan.plan(input_shape=(32, 32, 3), classes=10, max_params="1M")

The names below are imported on first use, so that ``import archplan.data.worker`` (every image
decoder process) or ``archplan --version`` loads none of the spec's pydantic models.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "ArchplanError": "archplan.errors",
    "SpecError": "archplan.errors",
    "LayerTrace": "archplan.engine.trace",
    "Trace": "archplan.engine.trace",
    "trace_network": "archplan.engine.trace",
    "Network": "archplan.schema",
    "load_spec": "archplan.schema",
    "parse_spec": "archplan.schema",
    "trace": "archplan.library",
    "plan": "archplan.library",
    "Traced": "archplan.library",
    "Planned": "archplan.library",
}

if TYPE_CHECKING:
    from archplan.engine.trace import LayerTrace, Trace, trace_network
    from archplan.errors import ArchplanError, SpecError
    from archplan.library import Planned, Traced, plan, trace
    from archplan.schema import Network, load_spec, parse_spec


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'archplan' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


__all__ = [
    "ArchplanError",
    "LayerTrace",
    "Network",
    "Planned",
    "SpecError",
    "Trace",
    "Traced",
    "__version__",
    "load_spec",
    "parse_spec",
    "plan",
    "trace",
    "trace_network",
]
