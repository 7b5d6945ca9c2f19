"""Byte sizes written the way Keras' ``model.summary()`` writes them."""

from __future__ import annotations

from archplan.engine.memory import DTYPE_BYTES

__all__ = ["DTYPE_BYTES", "count_with_size", "readable_size"]

_UNITS = ("B", "KB", "MB", "GB", "TB", "PB")


def readable_size(n_bytes: float) -> str:
    """``2526632`` → ``'2.41 MB'``: powers of 1024, two decimals, as Keras prints weight memory."""
    size = float(n_bytes)
    for unit in _UNITS[:-1]:
        if size < 1024:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} {_UNITS[-1]}"


def count_with_size(count: int, bytes_per_value: int = 4) -> str:
    """``631658`` → ``'631,658 (2.41 MB)'``, Keras' ``Total params`` line."""
    return f"{count:,} ({readable_size(count * bytes_per_value)})"
