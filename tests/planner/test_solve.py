"""``solve``: every setting it lists gives the length asked for, and it lists every one there is,
checked against counting the window positions directly."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archplan.planner.solve import Bounds, LayerKind, bounds_that_work, no_solution_hint, solve
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
