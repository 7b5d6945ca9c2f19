"""Hypothesis: invariants of the engine's rules over sizes no table would list."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from archplan import SpecError, parse_spec, trace_network
from archplan.rules.arith import conv_length, pool_length
from tests.conftest import chain

sizes = st.integers(1, 64)
small = st.integers(1, 7)
paddings = st.sampled_from(["valid", "same"])


def positions_by_enumeration(size: int, window: int, stride: int, padding: str) -> int:
    """Count the window positions directly: an oracle independent of the closed-form rules."""
    if padding == "same":
        return len(range(0, size, stride))
    return sum(1 for start in range(0, size, stride) if start + window <= size)


@given(size=sizes, kernel=small, stride=small, dilation=small, padding=paddings)
def test_conv_length_counts_window_positions(
    size: int, kernel: int, stride: int, dilation: int, padding: str
) -> None:
    span = dilation * (kernel - 1) + 1
    expected = positions_by_enumeration(size, span, stride, padding)
    length = conv_length(size, kernel, stride, dilation, padding)
    assert max(length.value, 0) == expected
    assert length.text.endswith(f" {length.value}") or length.text == f"{size} (same)"


@given(size=sizes, pool=small, stride=small, padding=paddings)
def test_pool_length_counts_window_positions(
    size: int, pool: int, stride: int, padding: str
) -> None:
    assert max(pool_length(size, pool, stride, padding).value, 0) == positions_by_enumeration(
        size, pool, stride, padding
    )


@given(size=sizes, kernel=small, dilation=small)
def test_same_padding_at_stride_one_keeps_the_size(size: int, kernel: int, dilation: int) -> None:
    assert conv_length(size, kernel, 1, dilation, "same").value == size


def conv_layers() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "type": st.just("Conv2D"),
            "filters": st.integers(1, 16),
            "kernel_size": st.one_of(small, st.lists(small, min_size=2, max_size=2)),
            "strides": st.one_of(
                st.integers(1, 3), st.lists(st.integers(1, 3), min_size=2, max_size=2)
            ),
            "padding": paddings,
            "use_bias": st.booleans(),
        }
    )


def other_layers() -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        st.fixed_dictionaries(
            {"type": st.sampled_from(["MaxPooling2D", "AveragePooling2D"]), "pool_size": st.integers(1, 3), "padding": paddings}
        ),
        st.fixed_dictionaries({"type": st.just("BatchNormalization"), "center": st.booleans(), "scale": st.booleans()}),
        st.fixed_dictionaries({"type": st.just("ZeroPadding2D"), "padding": st.integers(0, 2)}),
        st.fixed_dictionaries({"type": st.just("Dropout"), "rate": st.floats(0, 1)}),
        st.fixed_dictionaries({"type": st.just("Dense"), "units": st.integers(1, 8)}),
    )  # fmt: skip


def formula_value(formula: str) -> int:
    """Evaluate the left-hand side of a parameter formula such as ``(3·3·3 + 1)·64 = 1,792``."""
    left, right = formula.split(" = ", 1) if " = " in formula else ("0", "0")
    assert re.fullmatch(r"[0-9·+() ]+", left), formula
    value = eval(left.replace("·", "*"))
    assert value == int(right.split(" ")[0].replace(",", ""))
    return int(value)


@given(
    shape=st.tuples(st.integers(1, 40), st.integers(1, 40), st.integers(1, 8)),
    layers=st.lists(st.one_of(conv_layers(), other_layers()), min_size=1, max_size=6),
)
def test_a_traced_chain_is_consistent(
    shape: tuple[int, int, int], layers: list[dict[str, Any]]
) -> None:
    try:
        trace = trace_network(parse_spec(chain(*layers, shape=shape)))
    except SpecError:
        assume(False)
        return
    previous = shape
    for row in trace.layers:
        assert row.input_shape == previous
        assert all(size > 0 for size in row.output_shape)
        assert formula_value(row.param_formula) == row.params
        previous = row.output_shape
    assert trace.output_shape == previous
    assert trace.total_params == sum(row.params for row in trace.layers)
    assert trace.total_params == trace.trainable_params + trace.non_trainable_params


@given(size=st.integers(1, 40), kernel=small)
def test_a_valid_convolution_is_refused_exactly_when_the_kernel_is_larger_than_the_input(
    size: int, kernel: int
) -> None:
    spec = parse_spec(
        chain({"type": "Conv2D", "filters": 1, "kernel_size": kernel}, shape=(size, size, 1))
    )
    if kernel > size:
        with pytest.raises(SpecError, match="the output would be empty"):
            trace_network(spec)
    else:
        assert trace_network(spec).output_shape == (size - kernel + 1, size - kernel + 1, 1)
