"""The draw: a family point one parameter at a time, each trial seeded by its number."""

from __future__ import annotations

import pytest

optuna = pytest.importorskip("optuna")

from archplan.planner.families import FAMILIES  # noqa: E402
from archplan.study.sampling import (  # noqa: E402
    TrialSeededSampler,
    point_of,
    suggest_point,
    trial_seed,
)

SPACES = tuple((FAMILIES[name], FAMILIES[name].space()) for name in ("plain", "resnet", "mobile"))


def draws(seed: int, count: int, *, offset: int = 0) -> list[dict[str, object]]:
    """``count`` points drawn by a fresh study, its first ``offset`` trials drawn and discarded."""
    study = optuna.create_study(direction="maximize", sampler=TrialSeededSampler(seed))
    points = []
    for _ in range(offset + count):
        trial = study.ask()
        family, point = suggest_point(trial, SPACES)
        study.tell(trial, 0.5)
        points.append({"family": family.name, **point})
    return points[offset:]


def test_a_drawn_point_is_read_back_from_the_trials_parameters() -> None:
    study = optuna.create_study(sampler=TrialSeededSampler(0))
    for _ in range(12):
        trial = study.ask()
        family, point = suggest_point(trial, SPACES)
        assert point_of(trial.params) == (family, point)
        assert set(point) == {param.name for param in family.params}
        study.tell(trial, 0.0)
    families = {str(t.params["family"]) for t in study.trials}
    assert len(families) > 1  # the family is drawn too
    assert point_of({}) is None


def test_the_same_seed_draws_the_same_points_and_another_seed_others() -> None:
    assert draws(0, 6) == draws(0, 6)
    assert draws(0, 6) != draws(1, 6)


def test_workers_with_the_same_seed_draw_apart() -> None:
    """A process's generator is not what seeds a draw: the trial's number is, so a second worker
    (whose first trial is the study's eleventh) draws other points than the first worker did."""
    first, second = draws(0, 5), draws(0, 5, offset=5)
    assert first != second
    assert trial_seed(0, 3) == trial_seed(0, 3) != trial_seed(0, 4)


def test_families_with_parameters_of_the_same_name_never_share_a_distribution() -> None:
    study = optuna.create_study(sampler=TrialSeededSampler(0))
    trial = study.ask()
    family, _ = suggest_point(trial, SPACES)
    assert all(name == "family" or name.startswith(f"{family.name}.") for name in trial.params)
