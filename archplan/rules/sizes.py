"""Byte sizes: what a value of each dtype takes, written the way Keras' ``model.summary()`` writes
them."""

from __future__ import annotations

DTYPE_BYTES = {"float16": 2, "bfloat16": 2, "float32": 4, "float64": 8}
"""Bytes per value for the dtypes a user may plan with."""

_UNITS = ("B", "KB", "MB", "GB", "TB", "PB")


def readable_size(n_bytes: float) -> str:
    """``2526632`` → ``'2.41 MB'``: powers of 1024, two decimals, as Keras prints weight memory."""
    size = float(n_bytes)
    for unit in _UNITS[:-1]:
        if size < 1024:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} {_UNITS[-1]}"


def compact(count: int | None) -> str:
    """``47596160`` → ``'47.6M'``: three significant digits, for a narrow column; ``?``: unknown."""
    if count is None:
        return "?"
    if count < 10_000:
        return f"{count:,}"
    for unit, scale in (("K", 10**3), ("M", 10**6), ("G", 10**9)):
        value = float(f"{count / scale:.3g}")  # rounded first: 999,600 is 1M, not 1e+03K
        if value < 1000:
            return f"{value:g}{unit}"
    return f"{count / 10**9:,.0f}G"
