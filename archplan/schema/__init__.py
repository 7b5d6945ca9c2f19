"""The spec format: pydantic models of a network file, and the loader that explains mistakes.

The names below are loaded on first use, so that ``archplan.schema.defaults`` (plain values the
CLI's options need) can be read without creating any model, and a spec without a training block
never creates the training block's models.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from archplan.schema.load import load_spec, parse_spec
    from archplan.schema.network import InputSpec, Network
    from archplan.schema.training import Training

_EXPORTS = {
    "load_spec": "archplan.schema.load",
    "parse_spec": "archplan.schema.load",
    "InputSpec": "archplan.schema.network",
    "Network": "archplan.schema.network",
    "Training": "archplan.schema.training",
}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


__all__ = ["InputSpec", "Network", "Training", "load_spec", "parse_spec"]
