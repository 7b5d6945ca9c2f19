"""The search: every network it keeps meets every limit (checked on the written spec's own
trace), the same settings give the same plan, and when nothing fits the nearest is named."""

from __future__ import annotations

import io
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from archplan import parse_spec, trace_network
from archplan.engine.memory import estimate_memory
from archplan.engine.trace import Trace
from archplan.planner.choices import Objective
from archplan.planner.constraints import Limits
from archplan.planner.planfile import Overrides, Settings, parse_plan, resolve
from archplan.planner.search import (
    Candidate,
    SearchInterruptedError,
    SearchResult,
    points_to_examine,
    search,
)
from archplan.planner.written import spec_data
from archplan.report.plan import search_progress
from archplan.schema import load_spec
from tests.conftest import SPECS

SMALL = {
    "plain": {"stages": [1, 2, 3], "depth": [1, 2], "width": [16, 32], "width_factor": [0.5, 2.0],
              "hidden": ["none", "128"], "batch_norm": [False]},
    "resnet": {"stages": [1, 2], "depth": [1], "depth_growth": [0], "width": [8, 16],
               "width_factor": [2.0], "head": ["gap"]},
    "mobile": {"stages": [2], "depth": [1], "depth_growth": [0, 1], "width": [8, 16],
               "expansion": [2, 6], "kernel": [3], "head": ["gap"]},
}  # fmt: skip
"""Small spaces (about 150 networks in all), walked whole."""


def plan(overrides: Overrides | None = None, **fields: Any) -> Settings:
    data = {"input": {"shape": [32, 32, 3]}, "classes": 10, "families": SMALL, **fields}
    return resolve(parse_plan(data), overrides or Overrides())


def written_trace(candidate: Candidate) -> Trace:
    """The candidate's spec as ``plan`` writes it, validated and traced from scratch."""
    data = spec_data(candidate, name=candidate.slug, description="test")
    return trace_network(parse_spec(data))


def breaks(trace: Trace, limits: Limits, batch_size: int) -> list[str]:
    """The limits a traced spec breaks, computed from the trace alone (not the search's figures)."""
    broken = []
    field = trace.last_spatial_field
    sizes = trace.last_spatial_shape[:-1] if trace.last_spatial_shape else ()
    memory = estimate_memory(trace, batch_size=batch_size).training_bytes
    if limits.max_params is not None and trace.total_params > limits.max_params:
        broken.append("max_params")
    if limits.max_macs is not None and (trace.total_macs or 0) > limits.max_macs:
        broken.append("max_macs")
    if limits.max_memory is not None and memory > limits.max_memory:
        broken.append("max_memory")
    if limits.min_rf is not None and (
        field is None
        or any(
            size < limits.min_rf * side
            for size, side in zip(field.size, trace.input_shape, strict=False)
        )
    ):
        broken.append("min_rf")
    if limits.final_size is not None:
        low, high = limits.final_size
        if not sizes or min(sizes) < low or (high is not None and max(sizes) > high):
            broken.append("final_size")
    if limits.max_depth is not None and trace.depth > limits.max_depth:
        broken.append("max_depth")
    return broken


LIMITS = st.builds(
    Limits,
    max_params=st.none() | st.integers(2_000, 400_000),
    max_macs=st.none() | st.integers(200_000, 60_000_000),
    max_memory=st.none() | st.integers(2 * 1024**2, 200 * 1024**2),
    min_rf=st.none() | st.sampled_from([0.1, 0.5, 1.0, 1.5]),
    final_size=st.none() | st.sampled_from([(1, 4), (8, 8), (2, None), (16, 32)]),
    max_depth=st.none() | st.integers(3, 30),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(limits=LIMITS, objective=st.sampled_from(list(Objective)))
def test_every_network_kept_meets_every_limit_and_every_other_breaks_one(
    limits: Limits, objective: Objective
) -> None:
    base = plan(top=3)
    result = search(
        Settings(**{**vars(base), "limits": limits, "objective": objective}), look_elsewhere=False
    )
    for candidate in result.ranked:
        assert breaks(written_trace(candidate), limits, base.batch_size) == []
    if result.nearest is not None:
        assert not result.ranked
        assert breaks(written_trace(result.nearest), limits, base.batch_size) == [
            violation.key for violation in result.nearest.violations
        ]


def test_the_same_settings_give_the_same_plan() -> None:
    settings = plan(
        overrides=Overrides(max_params=200_000, samples=40, families=("plain", "mobile"))
    )
    first, second = search(settings), search(settings)
    assert [c.slug for c in first.ranked] == [c.slug for c in second.ranked]
    assert first.on_front == second.on_front
    assert [f.walked for f in first.families] == [False, False]
    other = search(
        plan(overrides=Overrides(max_params=200_000, samples=40, seed=1, families=("plain",)))
    )
    assert {c.slug for c in other.ranked} != {c.slug for c in first.ranked if c.family == "plain"}


def test_small_spaces_are_walked_whole_and_duplicates_examined_once() -> None:
    result = search(plan())
    plain = result.families[0]
    assert (plain.walked, plain.points, plain.space_size) == (
        True,
        3 * 2 * 2 * 2 * 2 * 2 * 2 * 2 * 2 * 1,
        768,
    )
    # one stage: width_factor and downsample change nothing, so those points are one network each
    assert plain.examined < plain.points
    assert len({c.slug for c in result.ranked}) == len(result.ranked)


def test_the_default_objective_spends_the_budget() -> None:
    result = search(plan(overrides=Overrides(max_macs=10_000_000)))
    macs = [c.figures.macs or 0 for c in result.ranked]
    assert macs == sorted(macs, reverse=True)
    assert result.on_front[0]  # the most MACs with the fewest parameters is never beaten


def test_networks_the_engine_refuses_are_counted_not_kept() -> None:
    result = search(plan(overrides=Overrides(input_shape=(2, 2, 3), families=("plain",))))
    plain = result.families[0]
    assert plain.refused > 0
    assert plain.refusal is not None
    assert "the output would be empty" in plain.refusal
    assert all(c.network.layers for c in result.ranked)


def test_nothing_fits_names_the_nearest_and_what_other_families_offer() -> None:
    result = search(plan(overrides=Overrides(max_params=1_000, families=("resnet",))))
    assert not result.ranked
    assert result.nearest is not None
    assert [v.key for v in result.nearest.violations] == ["max_params"]
    # no resnet is smaller than the nearest one
    assert result.nearest.figures.params == min(
        c.figures.params for c in search(plan(overrides=Overrides(families=("resnet",)))).ranked
    )
    assert "plain" in dict(result.elsewhere)  # a one-stage plain network has about 600


def test_the_tutorial_is_found_with_its_own_settings() -> None:
    tutorial = load_spec(SPECS / "tutorial-convnet.json")
    narrowed = {"plain": {"stages": [3], "depth": [2], "depth_growth": [0], "width": [64],
                          "width_factor": [0.5], "kernel": [3], "downsample": ["pool"],
                          "head": ["flatten"], "hidden": ["512-64"], "batch_norm": [False]}}  # fmt: skip
    result = search(resolve(parse_plan({"input": {"shape": [32, 32, 3]}, "classes": 10,
                                        "families": narrowed}), Overrides()))  # fmt: skip
    (found,) = result.ranked
    assert found.network.layers == tutorial.layers
    assert found.figures.params == 631_658


def test_search_result_counts() -> None:
    result: SearchResult = search(plan())
    assert result.examined == sum(f.examined for f in result.families)
    assert len(result.ranked) == sum(f.feasible for f in result.families)
    assert result.chosen == result.ranked[:5]
    assert result.rate > 0


@pytest.mark.parametrize("family", ["plain", "resnet", "mobile"])
def test_an_outside_point_is_checked_before_it_is_built(family: str) -> None:
    from archplan.errors import SpecError
    from archplan.planner.families import FAMILIES
    from archplan.planner.search import Evaluator

    evaluator = Evaluator(plan())
    with pytest.raises(SpecError, match=f"^{family} point: missing"):
        evaluator.checked_point(FAMILIES[family], {"stages": 2})
    space = FAMILIES[family].space()
    assert evaluator.checked_point(FAMILIES[family], space.point(0)).family == family


def test_a_search_tells_its_progress_and_stops_cleanly_on_ctrl_c() -> None:
    settings = plan()
    seen: list[tuple[int, int]] = []
    search(settings, progress=lambda done, total: seen.append((done, total)))
    total = points_to_examine(settings)
    assert seen == [(done, total) for done in range(1, total + 1)]

    def interrupt(done: int, total: int) -> None:
        if done == 5:
            raise KeyboardInterrupt

    with pytest.raises(SearchInterruptedError) as caught:
        search(settings, progress=interrupt)
    assert str(caught.value) == f"interrupted after 5 of {total:,} networks; nothing was written"
    assert caught.value.exit_code == 130


def test_a_long_search_draws_a_bar_with_the_time_left_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("archplan.report.plan.QUIET_SECONDS", 0.0)
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100)
    with search_progress(console) as progress:
        assert progress is not None
        progress(40, 100)
    assert "searching" in screen.getvalue()
    assert "40/100" in screen.getvalue()
    with search_progress(Console(file=io.StringIO(), force_terminal=False)) as progress:
        assert progress is None  # a pipe or a file gets no bar
