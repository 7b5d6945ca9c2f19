"""Limits read the engine's figures; objectives rank; the front is parameters against MACs."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archplan import load_spec, trace_network
from archplan.engine.measure import measure_network
from archplan.engine.memory import estimate_memory
from archplan.planner.choices import Objective
from archplan.planner.constraints import Figures, Limits, Violation, figures
from archplan.planner.ranking import pareto_front, rank_key
from tests.conftest import SPECS

TUTORIAL = figures(
    measure_network(load_spec(SPECS / "tutorial-convnet.json")), bytes_per_value=4, batch_size=32
)


def test_figures_are_the_numbers_trace_prints() -> None:
    trace = trace_network(load_spec(SPECS / "tutorial-convnet.json"))
    assert TUTORIAL.params == trace.total_params == 631_658
    assert TUTORIAL.macs == trace.total_macs == 47_596_160
    assert TUTORIAL.training_bytes == estimate_memory(trace, batch_size=32).training_bytes
    assert trace.last_spatial_field is not None
    assert TUTORIAL.receptive_field == trace.last_spatial_field.size == (32, 32)
    assert TUTORIAL.rf_fraction == 1.0
    assert TUTORIAL.final_size == (8, 8)
    assert TUTORIAL.depth == trace.depth == 9


@pytest.mark.parametrize(
    ("limits", "expected"),
    [
        (Limits(), []),
        (Limits(max_params=631_658, max_macs=47_596_160, min_rf=1.0, final_size=(8, 8), max_depth=9), []),
        (Limits(max_params=631_657), [Violation("max_params", 631_658, 631_657)]),
        (Limits(max_macs=10**6), [Violation("max_macs", 47_596_160, 10**6)]),
        (Limits(max_memory=1024), [Violation("max_memory", TUTORIAL.training_bytes, 1024)]),
        (Limits(min_rf=1.5), [Violation("min_rf", 1.0, 1.5)]),
        (Limits(final_size=(2, 4)), [Violation("final_size", 8, 4)]),
        (Limits(final_size=(16, None)), [Violation("final_size", 8, 16)]),
        (Limits(max_depth=8), [Violation("max_depth", 9, 8)]),
        (Limits(max_params=1, max_depth=1),
         [Violation("max_params", 631_658, 1), Violation("max_depth", 9, 1)]),
    ],
)  # fmt: skip
def test_each_limit_on_the_tutorial(limits: Limits, expected: list[Violation]) -> None:
    assert list(limits.check(TUTORIAL)) == expected


def test_a_violation_knows_its_flag_and_how_far_it_is() -> None:
    violation = Violation("max_params", 1_210_000, 1_000_000)
    assert violation.flag == "--max-params"
    assert violation.excess == pytest.approx(math.log(1.21))
    assert Violation("min_rf", 0.5, 1.0).excess == pytest.approx(math.log(2))
    assert Violation("max_macs", None, 1).excess == math.inf


def fig(params: int, macs: int, **changes: Any) -> Figures:
    return replace(TUTORIAL, params=params, macs=macs, **changes)


@pytest.mark.parametrize(
    ("objective", "order"),
    [
        (Objective.budget, ["most-macs", "mid", "small", "deep"]),
        (Objective.params, ["small", "deep", "mid", "most-macs"]),
        (Objective.macs, ["deep", "small", "mid", "most-macs"]),
        (Objective.depth, ["most-macs", "mid", "small", "deep"]),
        (Objective.rf, ["deep", "small", "most-macs", "mid"]),
    ],
)
def test_objectives_rank_as_they_say(objective: Objective, order: list[str]) -> None:
    candidates = {
        "most-macs": fig(500, 900, depth=5, rf_fraction=1.0),
        "mid": fig(400, 800, depth=5, rf_fraction=0.5),
        "small": fig(100, 300, depth=6, rf_fraction=2.0),
        "deep": fig(200, 100, depth=20, rf_fraction=2.0),
    }
    ranked = sorted(candidates, key=lambda name: rank_key(objective, candidates[name]))
    assert ranked == order
    assert objective.meaning


@pytest.mark.parametrize(
    ("points", "expected"),
    [
        ([(100, 10), (200, 20), (150, 5)], [True, True, False]),
        ([(100, 10), (100, 10)], [True, True]),  # equal: neither beats the other
        ([(100, 10), (100, 9)], [True, False]),
        ([(100, 10), (90, 10)], [False, True]),
        ([], []),
    ],
)
def test_the_front_by_hand(points: list[tuple[int, int]], expected: list[bool]) -> None:
    assert pareto_front(points) == expected


@given(st.lists(st.tuples(st.integers(1, 30), st.integers(1, 30)), max_size=40))
def test_the_front_is_exactly_the_points_no_other_beats(points: list[tuple[int, int]]) -> None:
    def beaten(p: tuple[int, int]) -> bool:
        return any(q[0] <= p[0] and q[1] >= p[1] and q != p for q in points)

    assert pareto_front(points) == [not beaten(point) for point in points]
