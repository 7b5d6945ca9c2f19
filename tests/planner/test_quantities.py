"""Sizes as people type them: one helper each, and messages that say what would be read."""

from __future__ import annotations

import pytest

from archplan.planner.quantities import (
    QuantityError,
    parse_bytes,
    parse_count,
    parse_fraction,
    parse_input_shape,
    parse_range,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1M", 1_000_000), ("100M", 100_000_000), ("2.5G", 2_500_000_000), ("1.21M", 1_210_000),
     ("64k", 64_000), ("631,658", 631_658), ("1_000", 1000), ("12", 12), (" 3 K ", 3000),
     (".5M", 500_000), (42, 42)],
)  # fmt: skip
def test_counts(text: str | int, expected: int) -> None:
    assert parse_count(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("64MB", 64 * 1024**2), ("2.5GB", round(2.5 * 1024**3)), ("1MiB", 1024**2),
     ("512 kb", 512 * 1024), ("100B", 100), ("4096", 4096), ("1TB", 1024**4)],
)  # fmt: skip
def test_byte_sizes_are_in_the_units_archplan_prints(text: str, expected: int) -> None:
    assert parse_bytes(text) == expected


@pytest.mark.parametrize(
    ("parse", "text", "message"),
    [
        (parse_count, "1Q", "'1Q' is not a count; write a number with an optional K, M or G "
                            "(thousands, millions, billions), e.g. 1M, 2.5G or 1e12"),
        (parse_count, "0", "'0' is not above zero; a limit must be positive"),
        (parse_count, "-1M", "'-1M' is not a count; write a number with an optional K, M or G "
                             "(thousands, millions, billions), e.g. 1M, 2.5G or 1e12"),
        (parse_bytes, "64M", "'64M': say the unit in bytes, e.g. 64MB (1 KB = 1024 B)"),
        (parse_bytes, "1.5", "'1.5': say the unit in bytes, e.g. 1.5MB (1 KB = 1024 B)"),
        (parse_bytes, "lots", "'lots' is not a memory size; write a number with a unit B, KB, "
                              "MB, GB or TB (1 KB = 1024 B, as archplan prints sizes), e.g. 64MB or 2.5GB"),
        (parse_fraction, "all", "'all' is not a number; e.g. 1.0 (the whole input)"),
        (parse_fraction, "-1", "'-1' must be a number above 0, e.g. 0.5 or 1.0"),
        (parse_range, "8..2", "'8..2' is an empty range; write the smaller size first"),
        (parse_range, "big", "'big' is not a size or a range; write 4 (exactly), 2..8, 2.. or ..8"),
        (parse_input_shape, "32x32", "'32x32' is not an image shape; write height x width x "
                                     "channels, e.g. 32x32x3"),
    ],
)  # fmt: skip
def test_mistakes_say_what_would_be_read(parse: object, text: str, message: str) -> None:
    with pytest.raises(QuantityError) as problem:
        parse(text)  # type: ignore[operator]
    assert str(problem.value) == message


@pytest.mark.parametrize(
    ("text", "expected"),
    [("4", (4, 4)), ("2..8", (2, 8)), ("2..", (2, None)), ("..8", (1, 8)), ("2:8", (2, 8))],
)
def test_ranges(text: str, expected: tuple[int, int | None]) -> None:
    assert parse_range(text) == expected


@pytest.mark.parametrize("text", ["32x32x3", "32×32×3", "32,32,3", " 32 x 32 x 3 "])
def test_input_shapes(text: str) -> None:
    assert parse_input_shape(text) == (32, 32, 3)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1e38", 10**38), (1e38, 10**38), ("1E6", 10**6), ("2.5e3K", 2_500_000),
     ("123456789012345678901", 123456789012345678901), ("1.5K", 1500)],
)  # fmt: skip
def test_counts_are_exact_integers_however_large(text: str | float, expected: int) -> None:
    assert parse_count(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0.5", "'0.5' is not a whole number; parameters and MACs are counted in whole numbers: write 1 or more"),
        (0.5, "'0.5' is not a whole number; parameters and MACs are counted in whole numbers: write 1 or more"),
        ("1.4", "'1.4' is not a whole number; parameters and MACs are counted in whole numbers: write 1 or 2"),
        ("1.0005K", "'1.0005K' is not a whole number; parameters and MACs are counted in whole numbers: write 1,000 or 1,001"),
        ("1e99999", "'1e99999' is too large a number; write at most 1e10000"),
    ],
)  # fmt: skip
def test_a_count_that_is_not_whole_is_refused_not_rounded(text: str | float, message: str) -> None:
    with pytest.raises(QuantityError) as problem:
        parse_count(text)
    assert str(problem.value) == message
