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


HUGE_COUNT = 10**15
"""From a million G on, a count is written as ``2.9e20``: the column keeps its width."""


def compact(count: int | None) -> str:
    """``47596160`` → ``'47.6M'``: three significant digits, for a narrow column; ``?``: unknown."""
    if count is None:
        return "?"
    if count < 10_000:
        return f"{count:,}"
    if count >= HUGE_COUNT:  # beyond a float's exact integers: decimal, and a narrow width
        from decimal import Decimal

        return f"{Decimal(count):.2g}".replace("+", "")  # 1e38, 2.9e20: as narrow as 10.6G
    for unit, scale in (("K", 10**3), ("M", 10**6), ("G", 10**9)):
        value = float(f"{count / scale:.3g}")  # rounded first: 999,600 is 1M, not 1e+03K
        if value < 1000:
            return f"{value:g}{unit}"
    return f"{count / 10**9:,.0f}G"
