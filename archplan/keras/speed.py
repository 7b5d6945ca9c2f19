"""Opt-in speed that leaves the model's definition alone: XLA compilation and mixed precision.

Both change how the same layers compute, never which layers there are, so the engine's plan and
the cross-check hold as they are.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

MIXED_POLICY = "mixed_float16"
OUTPUT_DTYPE = "float32"
"""The output layer's dtype under mixed precision: its softmax, and the loss, stay in float32."""


def jit_argument(jit_compile: bool | None) -> bool | Literal["auto"]:
    """Keras' ``jit_compile`` for the run: archplan's default (None) is Keras' own ``"auto"``.

    ``"auto"`` is what plain ``model.compile`` does, so the default is never slower than plain
    Keras: XLA on JAX and on TensorFlow with a GPU; not on TensorFlow on a CPU alone, nor under
    ``tf.distribute``, where Keras turns it off.
    """
    return "auto" if jit_compile is None else jit_compile


def output_dtype(mixed_precision: bool) -> str | None:
    """The output layer's dtype: float32 under mixed precision, else the global policy's."""
    return OUTPUT_DTYPE if mixed_precision else None


@contextmanager
def precision(mixed: bool) -> Iterator[None]:
    """Inside, new layers compute in float16 and keep float32 weights (``mixed_float16``).

    The global policy is set before the model is built, since a layer takes it when created, and
    put back afterwards. Keras wraps the optimizer in a ``LossScaleOptimizer`` at compile time.
    """
    import keras

    previous = keras.mixed_precision.global_policy()
    if mixed:
        keras.mixed_precision.set_global_policy(MIXED_POLICY)
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(previous)
