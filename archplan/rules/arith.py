"""Output-length rules along one spatial axis, each with the arithmetic it applied, as text.

These are the rules Keras applies (``compute_conv_output_shape``, ``compute_pooling_output_shape``):

- convolution, ``valid``: ``⌊(D − d·(N − 1) − 1) / s⌋ + 1``; ``same``: ``⌈D / s⌉``
- pooling, ``valid``: ``⌊(D − P) / s⌋ + 1``; ``same``: ``⌈D / s⌉``
- transposed convolution (``compute_conv_transpose_output_shape``), with ``K = d·(N − 1) + 1``:
  ``valid``: ``(D − 1)·s + max(K, s)``, or ``(D − 1)·s + K + p`` with ``output_padding`` p;
  ``same``: ``D·s``, or ``(D − 1)·s + (K mod 2) + p`` with ``output_padding`` p

The text uses the simplest form that is still true, so a learner reads ``32 − 5 + 1 = 28`` for a
stride-1 valid convolution rather than the general formula.
"""

from __future__ import annotations

from typing import NamedTuple


class Length(NamedTuple):
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
    return Length(value, f"⌊({size} − {dilation}·({kernel} − 1) − 1) / {stride}⌋ + 1 = {value}")


def pool_length(size: int, pool: int, stride: int, padding: str) -> Length:
    """Positions a pooling window visits along one axis."""
    if padding == "same":
        return same_length(size, stride)
    value = (size - pool) // stride + 1
    if stride == 1:
        return Length(value, f"{size} − {pool} + 1 = {value}")
    return Length(value, f"⌊({size} − {pool}) / {stride}⌋ + 1 = {value}")


def transpose_length(
    size: int, kernel: int, stride: int, dilation: int, padding: str, output_padding: int | None
) -> Length:
    """Positions a transposed convolution writes along one axis (Keras' rule, TensorFlow's own)."""
    span = dilation * (kernel - 1) + 1
    span_text = str(kernel) if dilation == 1 else f"{dilation}·({kernel} − 1) + 1"
    if output_padding is None:
        return _transpose_default(size, span, span_text, stride, padding)
    if padding == "same":
        value = (size - 1) * stride + span % 2 + output_padding
        odd = f"{kernel} mod 2" if dilation == 1 else f"({span_text}) mod 2"
        return Length(value, f"({size} − 1)·{stride} + {odd} + {output_padding} = {value}")
    value = (size - 1) * stride + span + output_padding
    return Length(value, f"({size} − 1)·{stride} + {span_text} + {output_padding} = {value}")


def _transpose_default(size: int, span: int, span_text: str, stride: int, padding: str) -> Length:
    """Without ``output_padding``: ``D·s`` (same), ``(D − 1)·s + max(K, s)`` (valid)."""
    if padding == "same":
        value = size * stride
        return Length(value, f"{size} (same)" if stride == 1 else f"{size}·{stride} = {value}")
    value = (size - 1) * stride + max(span, stride)
    if stride == 1:
        return Length(value, f"{size} + {span_text} − 1 = {value}")
    if stride > span:
        return Length(value, f"({size} − 1)·{stride} + max({span_text}, {stride}) = {value}")
    return Length(value, f"({size} − 1)·{stride} + {span_text} = {value}")


AXIS_LETTERS: dict[int, tuple[str, ...]] = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}
"""The spatial axes' letters by their number: length; height, width; depth, height, width."""


def length_lines(*lengths: Length) -> tuple[str, ...]:
    """One line for all spatial axes when their arithmetic reads the same, else one line each."""
    return axis_lines(*(length.text for length in lengths))


def axis_lines(*texts: str) -> tuple[str, ...]:
    """``('H, W: 32 − 3 + 1 = 30',)`` when every axis reads the same, else one line per run of
    neighbouring axes that read alike (``('D: 16 (same)', 'H, W: 112 (same)')``); ``L:`` for a
    sequence's one axis."""
    letters = AXIS_LETTERS.get(len(texts), tuple(f"axis {n}" for n in range(1, len(texts) + 1)))
    runs: list[tuple[list[str], str]] = []
    for letter, text in zip(letters, texts, strict=True):
        if runs and runs[-1][1] == text:
            runs[-1][0].append(letter)
        else:
            runs.append(([letter], text))
    return tuple(f"{', '.join(names)}: {text}" for names, text in runs)


def dotted(factors: tuple[int, ...] | list[int]) -> str:
    """``(3, 3, 16)`` → ``'3·3·16'``."""
    return "·".join(str(factor) for factor in factors)
