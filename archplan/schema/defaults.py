"""Keras' defaults for what a spec may leave out, as plain values.

Knowing them needs no model loaded: a spec without a training block is traced, and its training
memory estimated, without creating the training block's models (tests keep these equal to them).
"""

from __future__ import annotations

BATCH_SIZE = 32
"""``model.fit``'s batch size."""
OPTIMIZER = "RMSprop"
"""``model.compile``'s optimizer."""
OPTIMIZER_SLOTS = 1
"""Values that optimizer keeps per trainable weight at its defaults (no momentum, not centred)."""

MAX_SEED = 2**32 - 1
"""The largest seed numpy's global generator takes (Keras seeds it with the run's seed)."""
MAX_BATCH_SIZE = 2**31 - 1
"""The largest batch the frameworks' 32-bit sizes can count."""
