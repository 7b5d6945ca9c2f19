"""Output-length rules along one spatial axis, each with the arithmetic it applied, as text.

These are the rules Keras applies (``compute_conv_output_shape``, ``compute_pooling_output_shape``):

- convolution, ``valid``: ``⌊(D − d·(N − 1) − 1) / s⌋ + 1``; ``same``: ``⌈D / s⌉``
- pooling, ``valid``: ``⌊(D − P) / s⌋ + 1``; ``same``: ``⌈D / s⌉``

The text uses the simplest form that is still true, so a learner reads ``32 − 5 + 1 = 28`` for a
stride-1 valid convolution rather than the general formula.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Length:
    """An output length along one axis and the arithmetic that produced it."""

    value: int
    text: str


def group(n: int) -> str:
    """``1792`` → ``'1,792'``: how archplan (and Keras' summary) writes counts."""
    return f"{n:,}"


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def same_length(size: int, stride: int) -> Length:
    """``same`` padding keeps ``⌈D / s⌉`` positions, whatever the window."""
    value = _ceil_div(size, stride)
    if stride == 1:
        return Length(value, f"{size} (same)")
    return Length(value, f"⌈{size} / {stride}⌉ = {value}")


def conv_length(size: int, kernel: int, stride: int, dilation: int, padding: str) -> Length:
    """Positions a (dilated, strided) convolution window visits along one axis."""
    if padding == "same":
        return same_length(size, stride)
    span = dilation * (kernel - 1) + 1
    value = (size - span) // stride + 1
    if dilation == 1 and stride == 1:
        return Length(value, f"{size} − {kernel} + 1 = {value}")
    if dilation == 1:
        return Length(value, f"⌊({size} − {kernel}) / {stride}⌋ + 1 = {value}")
    if stride == 1:
        return Length(value, f"{size} − ({dilation}·({kernel} − 1) + 1) + 1 = {value}")
    return Length(
        value, f"⌊({size} − {dilation}·({kernel} − 1) − 1) / {stride}⌋ + 1 = {value}"
    )


def pool_length(size: int, pool: int, stride: int, padding: str) -> Length:
    """Positions a pooling window visits along one axis."""
    if padding == "same":
        return same_length(size, stride)
    value = (size - pool) // stride + 1
    if stride == 1:
        return Length(value, f"{size} − {pool} + 1 = {value}")
    return Length(value, f"⌊({size} − {pool}) / {stride}⌋ + 1 = {value}")


def per_axis(height: Length, width: Length) -> tuple[str, ...]:
    """One line for both axes when their arithmetic reads the same, else one line each."""
    if height.text == width.text:
        return (f"H, W: {height.text}",)
    return (f"H: {height.text}", f"W: {width.text}")


def product(factors: tuple[int, ...] | list[int]) -> int:
    """The product of sizes, 1 for none."""
    result = 1
    for factor in factors:
        result *= factor
    return result


def dotted(factors: tuple[int, ...] | list[int]) -> str:
    """``(3, 3, 16)`` → ``'3·3·16'``."""
    return "·".join(str(factor) for factor in factors)
