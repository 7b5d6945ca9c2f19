"""Reading the sizes a person types: ``1M`` parameters, ``2.5G`` MACs, ``64MB`` of memory.

Counts use the decimal suffixes archplan prints them with (``47.6M``: K = 10³, M = 10⁶,
G = 10⁹, T = 10¹²); byte sizes use the binary units its memory figures are printed in
(``2.41 MB``: KB = 1024 B, MB = 1024² B, ...; ``MiB`` is read as ``MB``). Every problem is a
:class:`QuantityError` whose message says what was expected, with an example; the caller adds
where the value came from (a flag, a plan file's field).
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

from archplan.rules.shapes import parse_shape

COUNT_SUFFIXES = {"": 1, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
BYTE_UNITS = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}

_NUMBER = r"(?P<number>(?:\d+(?:[_,]\d{3})*(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)"
_COUNT = re.compile(rf"{_NUMBER}\s*(?P<unit>[KMGT]?)", re.IGNORECASE)
_BYTES = re.compile(rf"{_NUMBER}\s*(?P<unit>(?:[KMGT]I?)?B?)", re.IGNORECASE)
_RANGE = re.compile(r"(?P<low>\d*)\s*(?:\.\.|:)\s*(?P<high>\d*)")


class QuantityError(ValueError):
    """A size or range that cannot be read; the message says what would be read."""


MAX_EXPONENT = 10_000
"""The largest power of ten read (``1e10000``): beyond, a number is refused, not computed."""


def _number(text: str) -> Decimal:
    """The number exactly as written (``1e38`` is 10³⁸, not the float nearest it)."""
    try:
        number = Decimal(text.replace("_", "").replace(",", ""))
    except InvalidOperation:
        raise QuantityError(f"{text!r} is not a number") from None
    if not number.is_finite() or number.adjusted() > MAX_EXPONENT:
        raise QuantityError(f"{text!r} is too large a number; write at most 1e{MAX_EXPONENT}")
    return number


def _given(value: str | int | float) -> str:
    """A value as text: a float as the shortest decimal that reads back to it (JSON's 1e38)."""
    return repr(value) if isinstance(value, float) else str(value)


def parse_count(value: str | int) -> int:
    """``'1M'`` → 1,000,000; ``'2.5G'`` → 2,500,000,000; ``'631,658'`` and ``631658`` as is."""
    if isinstance(value, int) and not isinstance(value, bool):
        return _positive(value, str(value))
    text = _given(value).strip()
    match = _COUNT.fullmatch(text)
    if match is None:
        raise QuantityError(
            f"{text!r} is not a count; write a number with an optional K, M or G "
            "(thousands, millions, billions), e.g. 1M, 2.5G or 1e12"
        )
    scaled = _number(match["number"]) * COUNT_SUFFIXES[match["unit"].upper()]
    if scaled != scaled.to_integral_value():
        low = int(scaled.to_integral_value(rounding="ROUND_FLOOR"))
        hint = f"{low:,} or {low + 1:,}" if low else "1 or more"
        raise QuantityError(
            f"{text!r} is not a whole number; parameters and MACs are counted in whole "
            f"numbers: write {hint}"
        )
    return _positive(int(scaled), text)


def parse_bytes(value: str | int) -> int:
    """``'64MB'`` → 67,108,864 (MB = 1024² bytes, as archplan prints sizes); ints are bytes."""
    if isinstance(value, int) and not isinstance(value, bool):
        return _positive(value, str(value))
    text = _given(value).strip()
    match = _BYTES.fullmatch(text)
    unit = match["unit"].upper().replace("IB", "B") if match else None
    if match is None or unit is None or (unit not in BYTE_UNITS and unit.rstrip("I") not in "KMGT"):
        raise QuantityError(
            f"{value!r} is not a memory size; write a number with a unit B, KB, MB, GB or TB "
            "(1 KB = 1024 B, as archplan prints sizes), e.g. 64MB or 2.5GB"
        )
    if unit == "" and _number(match["number"]) == _number(match["number"]).to_integral_value():
        unit = "B"  # a whole number alone counts bytes
    if unit not in BYTE_UNITS:
        raise QuantityError(
            f"{value!r}: say the unit in bytes, e.g. {match['number']}{unit.rstrip('I') or 'M'}B "
            "(1 KB = 1024 B)"
        )
    return _positive(int((_number(match["number"]) * BYTE_UNITS[unit]).to_integral_value()), text)


def _positive(count: int, text: str) -> int:
    if count <= 0:
        raise QuantityError(f"{text!r} is not above zero; a limit must be positive")
    return count


def parse_fraction(value: str | float) -> float:
    """A positive number such as ``1.0`` or ``0.5`` (a share of the input's size)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise QuantityError(f"{value!r} is not a number; e.g. 1.0 (the whole input)") from None
    if not math.isfinite(number) or number <= 0:
        raise QuantityError(f"{value!r} must be a number above 0, e.g. 0.5 or 1.0")
    return number


def parse_range(value: str | int) -> tuple[int, int | None]:
    """``'4'`` → (4, 4); ``'2..8'`` → (2, 8); ``'2..'`` → (2, None); ``'..8'`` → (1, 8)."""
    text = str(value).strip()
    if text.isdigit():
        size = _positive(int(text), text)
        return size, size
    match = _RANGE.fullmatch(text)
    if match is None or not (match["low"] or match["high"]):
        raise QuantityError(
            f"{value!r} is not a size or a range; write 4 (exactly), 2..8, 2.. or ..8"
        )
    low = _positive(int(match["low"]), text) if match["low"] else 1
    high = _positive(int(match["high"]), text) if match["high"] else None
    if high is not None and high < low:
        raise QuantityError(f"{value!r} is an empty range; write the smaller size first")
    return low, high


def parse_input_shape(value: str) -> tuple[int, ...]:
    """``'32x32x3'`` (or ``32,32,3``) → (32, 32, 3): height, width, channels."""
    try:
        shape = parse_shape(value)
    except ValueError:
        shape = ()
    if len(shape) != 3:
        raise QuantityError(
            f"{value!r} is not an image shape; write height x width x channels, e.g. 32x32x3"
        )
    return shape
