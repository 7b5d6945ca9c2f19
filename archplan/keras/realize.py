"""Realize a spec: build its Keras model and prove the engine's trace against it, layer by layer.

A disagreement is a bug in archplan's engine, never the user's: :meth:`Realized.require_agreement`
refuses it with :class:`MismatchError` (exit 1) once the caller has shown the comparison.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from archplan.engine.trace import Trace
from archplan.errors import MismatchError
from archplan.keras.build import KerasRefusalError, build_model, summary_text
from archplan.keras.crosscheck import CrossCheck, crosscheck
from archplan.spec import Network

BUG_ADVICE = "a bug in archplan's engine: please report it with the spec"


@dataclass(frozen=True)
class Realized:
    """A model built (or loaded) for a spec, its ``model.summary()``, and the cross-check."""

    network: Network
    model: Any
    summary: str
    check: CrossCheck

    def require_agreement(self) -> None:
        """Refuse a model on which the engine and Keras disagree."""
        if self.check.agrees:
            return
        names = ", ".join(f"{row.name} ({row.type})" for row in self.check.mismatches)
        raise MismatchError(
            f"the engine and Keras disagree{': ' + names if names else ''}; {BUG_ADVICE}"
        )


def realize(network: Network, trace: Trace, *, output_dtype: str | None = None) -> Realized:
    """Build the model of ``network`` (Keras loaded by ``load_keras``) and cross-check it."""
    try:
        model = build_model(network, output_dtype=output_dtype)
    except KerasRefusalError as refusal:
        raise MismatchError(
            f"the engine accepts this spec but Keras refuses {refusal}; {BUG_ADVICE}"
        ) from None
    return checked(network, trace, model)


def checked(network: Network, trace: Trace, model: Any) -> Realized:
    """A built or loaded model with its summary and its cross-check against ``trace``."""
    return Realized(network, model, summary_text(model), crosscheck(trace, model))
