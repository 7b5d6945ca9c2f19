"""Byte sizes: what a value of each dtype takes, written the way Keras' ``model.summary()`` writes
them."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from decimal import Decimal

DTYPE_BYTES = {"float16": 2, "bfloat16": 2, "float32": 4, "float64": 8}
"""Bytes per value for the dtypes a user may plan with."""

_UNITS = ("B", "KB", "MB", "GB", "TB", "PB")


EXACT_FLOAT = 2**53
"""Below this an integer and its quotients by powers of 1024 are exact floats."""
HUGE_PB = 10**6
"""Beyond a million petabytes a size is written with two significant digits: ``1.2e390 PB``."""


def readable_size(n_bytes: float) -> str:
    """``2526632`` → ``'2.41 MB'``: powers of 1024, two decimals, as Keras prints weight memory.

    Any integer is written, however large (an upsampled network's activations may exceed what
    a float holds): beyond float's exact range the arithmetic is decimal.
    """
    if isinstance(n_bytes, int) and abs(n_bytes) >= EXACT_FLOAT:
        from decimal import Decimal

        size: float | Decimal = Decimal(n_bytes)
    else:
        size = float(n_bytes)
    for unit in _UNITS[:-1]:
        if size < 1024:
            return f"{size:.2f} {unit}"
        size /= 1024
    if size >= HUGE_PB:
        return f"{size:.2g}".replace("+", "") + f" {_UNITS[-1]}"
    return f"{size:.2f} {_UNITS[-1]}"


def count_with_size(count: int, bytes_per_value: int = 4) -> str:
    """``631658`` → ``'631,658 (2.41 MB)'``, Keras' ``Total params`` line."""
    return f"{count:,} ({readable_size(count * bytes_per_value)})"
