"""The spec format: pydantic models of a network file, and the loader that explains mistakes.

``Training`` (the optional training block's model) is loaded on first use: a spec without a
training block never creates its models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from archplan.spec.load import load_spec, parse_spec
from archplan.spec.network import InputSpec, Network

if TYPE_CHECKING:
    from archplan.spec.training import Training


def __getattr__(name: str) -> Any:
    if name == "Training":
        from archplan.spec.training import Training

        return Training
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["InputSpec", "Network", "Training", "load_spec", "parse_spec"]
