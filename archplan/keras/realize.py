"""Realize a spec: build its Keras model and prove the engine's trace against it, layer by layer.

A disagreement is a bug in archplan's engine, never the user's: :meth:`Realized.require_agreement`
refuses it with :class:`MismatchError` (exit 1) once the caller has shown the comparison.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from archplan.engine.trace import Trace
from archplan.errors import ArchplanError, MismatchError
from archplan.keras.build import KerasRefusalError, build_model, summary_text
from archplan.keras.crosscheck import CrossCheck, crosscheck
from archplan.rules.sizes import readable_size
from archplan.schema import Network

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
    """Build the model of ``network`` (Keras loaded by ``load_keras``) and cross-check it.

    A model whose weights alone exceed the machine's memory is refused before Keras tries; one
    Keras still cannot allocate is the machine's limit too, not a disagreement with the engine.
    """
    check_fits_in_memory(trace)
    try:
        model = build_model(network, output_dtype=output_dtype)
    except KerasRefusalError as refusal:
        if _out_of_memory(refusal.__cause__):
            raise ArchplanError(
                f"Keras ran out of memory building {refusal.where} "
                f"({_weights(trace.total_params)} of weights in all); make the network smaller "
                "(fewer filters or units) or use a machine with more memory"
            ) from None
        raise MismatchError(
            f"the engine accepts this spec but Keras refuses {refusal}; {BUG_ADVICE}"
        ) from None
    return checked(network, trace, model)


def check_fits_in_memory(trace: Trace) -> None:
    """Refuse a network whose float32 weights alone would not fit in this machine's memory."""
    memory = physical_memory()
    needed = trace.total_params * FLOAT32_BYTES
    if memory is not None and needed > memory:
        raise ArchplanError(
            f"the network's {trace.total_params:,} parameters take {_weights(trace.total_params)} "
            f"as float32, more than this machine's {readable_size(memory)} of memory; make it "
            "smaller (fewer filters or units) before building it"
        )


def physical_memory() -> int | None:
    """This machine's memory in bytes, where the system says (None elsewhere)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


FLOAT32_BYTES = 4
OUT_OF_MEMORY = ("out of memory", "oom", "resourceexhausted", "resource exhausted",
                 "unable to allocate", "cannot allocate memory", "failed to allocate")  # fmt: skip


def _out_of_memory(error: BaseException | None) -> bool:
    if isinstance(error, MemoryError):
        return True
    text = f"{type(error).__name__} {error}".lower()
    return error is not None and any(marker in text for marker in OUT_OF_MEMORY)


def _weights(params: int) -> str:
    return readable_size(params * FLOAT32_BYTES)


def checked(network: Network, trace: Trace, model: Any) -> Realized:
    """A built or loaded model with its summary and its cross-check against ``trace``."""
    return Realized(network, model, summary_text(model), crosscheck(trace, model))
