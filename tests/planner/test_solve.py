"""``solve``: every setting it lists gives the length asked for, and it lists every one there is,
checked against counting the window positions directly."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archplan.planner.solve import (
    SHOWN,
    Bounds,
    LayerKind,
    Solution,
    _length,
    bounds_that_work,
    no_solution_hint,
    solve,
    solve_some,
)
from archplan.rules.arith import transpose_length
from tests.engine.test_properties import positions_by_enumeration

BOUNDS = Bounds(max_kernel=5, max_stride=3, max_dilation=2)


def oracle(
    kind: LayerKind, size: int, kernel: int, stride: int, dilation: int, padding: str
) -> int:
    """The output length by counting (conv, pool) or by Keras' transposed rule."""
    if kind is LayerKind.transpose:
        return transpose_length(size, kernel, stride, dilation, padding, None).value
    span = dilation * (kernel - 1) + 1
    return positions_by_enumeration(size, span, stride, padding)


@given(size=st.integers(1, 40), target=st.integers(1, 80), kind=st.sampled_from(list(LayerKind)))
def test_solutions_are_exactly_the_settings_that_give_the_target(
    size: int, target: int, kind: LayerKind
) -> None:
    found = {(s.kernel, s.stride, s.dilation, s.padding) for s in solve(size, target, kind, BOUNDS)}
    dilations = (1,) if kind is LayerKind.pool else (1, 2)
    expected = {
        (kernel, stride, dilation, padding)
        for kernel, stride, dilation, padding in itertools.product(
            range(1, 6), range(1, 4), dilations, ("valid", "same")
        )
        if not (stride > 1 and dilation > 1)
        and oracle(kind, size, kernel, stride, dilation, padding) == target
    }
    assert found == expected


def test_each_solution_shows_the_arithmetic_that_gives_it() -> None:
    for solution in solve(32, 16, LayerKind.conv, Bounds()):
        assert solution.length.value == 16
        assert solution.length.text.endswith("= 16")


@pytest.mark.parametrize(
    ("kind", "kernel", "stride", "padding", "dilation", "call"),
    [
        (LayerKind.conv, 3, 2, "same", 1, 'Conv2D(filters, 3, strides=2, padding="same")'),
        (LayerKind.conv, 3, 1, "valid", 2, "Conv2D(filters, 3, dilation_rate=2)"),
        (LayerKind.pool, 2, 2, "valid", 1, "MaxPooling2D(pool_size=2)"),
        (LayerKind.pool, 3, 2, "valid", 1, "MaxPooling2D(pool_size=3, strides=2)"),
        (LayerKind.transpose, 4, 2, "same", 1, 'Conv2DTranspose(filters, 4, strides=2, padding="same")'),
    ],
)  # fmt: skip
def test_the_keras_call(
    kind: LayerKind, kernel: int, stride: int, padding: str, dilation: int, call: str
) -> None:
    bounds = Bounds(kernel=kernel, stride=stride, padding=padding, dilation=dilation)
    (solution,) = solve(32, oracle(kind, 32, kernel, stride, dilation, padding), kind, bounds)
    assert solution.keras_call() == call


def test_fixed_arguments_narrow_the_search() -> None:
    solutions = solve(32, 16, LayerKind.conv, Bounds(kernel=3))
    assert {(s.kernel, s.stride, s.padding) for s in solutions} == {(3, 2, "same")}


@pytest.mark.parametrize(
    ("size", "target", "kind", "bounds", "hint"),
    [
        (32, 64, LayerKind.conv, Bounds(), "a convolution or pooling never enlarges its input; try --layer transpose"),
        (8, 4, LayerKind.transpose, Bounds(), "a transposed convolution never shrinks its input; try --layer conv or pool"),
        (32, 16, LayerKind.conv, Bounds(stride=2, dilation=2), "Keras forbids a stride and a dilation both above 1 in one layer"),
        (32, 30, LayerKind.conv, Bounds(kernel=5), ""),
    ],
)  # fmt: skip
def test_hints_when_nothing_works(
    size: int, target: int, kind: LayerKind, bounds: Bounds, hint: str
) -> None:
    assert solve(size, target, kind, bounds) == []
    assert no_solution_hint(size, target, kind, bounds) == hint


@pytest.mark.parametrize(
    ("size", "target", "bounds", "working"),
    [
        (32, 30, Bounds(kernel=5), Bounds()),
        (32, 16, Bounds(stride=2, dilation=2), Bounds(stride=2)),
        (32, 30, Bounds(kernel=5, padding="same"), Bounds()),
        (32, 2, Bounds(), Bounds(max_kernel=11)),
        (100, 3, Bounds(), Bounds(max_stride=32)),
    ],
)
def test_the_nearest_bounds_that_have_an_answer(
    size: int, target: int, bounds: Bounds, working: Bounds
) -> None:
    """What the refusal advises: the bounds closest to the user's that give an answer."""
    assert solve(size, target, LayerKind.conv, bounds) == []
    assert bounds_that_work(size, target, LayerKind.conv, bounds) == working
    assert solve(size, target, LayerKind.conv, working)


def brute_force(size: int, target: int, kind: LayerKind, bounds: Bounds) -> list[Solution]:
    """Every kernel tried, in solve's order: what solve did before it derived the kernels."""
    found = []
    for stride in bounds.strides():
        for kernel in bounds.kernels():
            for dilation in bounds.dilations(kind):
                if stride > 1 and dilation > 1:
                    continue
                for padding in bounds.paddings():
                    length = _length(kind, size, kernel, stride, dilation, padding)
                    if length.value == target:
                        found.append(Solution(kind, kernel, stride, padding, dilation, length))
    return found


OPTIONAL = st.none() | st.integers(1, 12)


@given(
    size=st.integers(1, 6) | st.integers(1, 60),  # small ones: bounds beyond them are one class
    target=st.integers(1, 8) | st.integers(1, 130),
    kind=st.sampled_from(list(LayerKind)),
    bounds=st.builds(
        Bounds,
        max_kernel=st.integers(1, 25),
        max_stride=st.integers(1, 12),
        max_dilation=st.integers(1, 6),
        kernel=OPTIONAL,
        stride=OPTIONAL,
        padding=st.none() | st.sampled_from(["valid", "same"]),
        dilation=st.none() | st.integers(1, 4),
    ),
    limit=st.none() | st.integers(0, 30),
)
def test_derived_kernels_equal_trying_every_kernel(
    size: int, target: int, kind: LayerKind, bounds: Bounds, limit: int | None
) -> None:
    expected = brute_force(size, target, kind, bounds)
    solved = solve_some(size, target, kind, bounds, limit=limit)
    assert solved.count == len(expected)
    assert solved.solutions == expected[:limit]


def test_a_million_kernels_strides_and_dilations_are_counted_not_tried() -> None:
    bounds = Bounds(max_kernel=100_000, max_stride=100_000, max_dilation=100_000)
    solved = solve_some(1000, 1, LayerKind.conv, bounds)
    # valid, stride 1: d·(k − 1) = 999 (8 ways); stride s > 1: kernels 1001 − s .. 1000 (s ≤
    # 1000, else all 1000); same: every kernel for each stride from 1000 on
    valid = 8 + sum(min(stride, 1000) for stride in range(2, 100_001))
    same = 100_000 * (100_000 - 999)
    assert solved.count == valid + same
    assert [(s.kernel, s.stride, s.dilation) for s in solved.solutions[:3]] == [
        (2, 1, 999), (4, 1, 333), (10, 1, 111),
    ]  # fmt: skip
    assert len(solved.solutions) == SHOWN
