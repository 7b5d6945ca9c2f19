"""How a trial draws its network, and how a hopeless one is stopped: Optuna's sampler and pruner.

A trial draws a family, then each of that family's parameters from its choices
(``trial.suggest_categorical``), named ``family.parameter`` so that families with a parameter of
the same name (``width``) but other choices never share a distribution. The sampler is Optuna's
TPE, seeded per trial (:class:`TrialSeededSampler`); the pruner compares each epoch's validation
accuracy with the other trials' at the same epoch.
"""

from __future__ import annotations

import random
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import optuna
from optuna.distributions import BaseDistribution
from optuna.exceptions import ExperimentalWarning
from optuna.pruners import BasePruner, MedianPruner, NopPruner, SuccessiveHalvingPruner
from optuna.samplers import BaseSampler, TPESampler
from optuna.trial import FrozenTrial, TrialState

from archplan.planner.families import FAMILIES, Family
from archplan.planner.space import Choice, Space

FAMILY_PARAM = "family"
MEDIAN_STARTUP_TRIALS = 5
"""Trials the median pruner lets finish before it compares: a median of fewer means little."""
PRUNERS: dict[str, Callable[[], BasePruner]] = {
    "median": lambda: MedianPruner(n_startup_trials=MEDIAN_STARTUP_TRIALS, n_warmup_steps=0),
    "halving": lambda: SuccessiveHalvingPruner(min_resource=1),
    "none": NopPruner,
}
"""``--pruner``: stop a trial whose accuracy is below the median of the trials before it at the
same epoch; keep only the best quarter at each rung of successive halving; or never."""


def param_name(family: str, name: str) -> str:
    """``resnet.width``: a family's parameter as the study names it."""
    return f"{family}.{name}"


def suggest_point(
    trial: optuna.Trial, spaces: Sequence[tuple[Family, Space]]
) -> tuple[Family, dict[str, Choice]]:
    """The trial's family and point, drawn one parameter at a time."""
    by_name = {family.name: (family, space) for family, space in spaces}
    name = trial.suggest_categorical(FAMILY_PARAM, list(by_name))
    family, space = by_name[str(name)]
    point: dict[str, Choice] = {}
    for param in space.params:
        value = trial.suggest_categorical(param_name(family.name, param.name), param.choices)
        assert value is not None  # a family's choices are never None
        point[param.name] = value
    return family, point


def point_of(params: Mapping[str, Any]) -> tuple[Family, dict[str, Choice]] | None:
    """A stored trial's family and point, read back from its parameters (None: none drawn)."""
    name = params.get(FAMILY_PARAM)
    family = FAMILIES.get(str(name)) if name is not None else None
    if family is None:
        return None
    prefix = param_name(family.name, "")
    point = {
        key.removeprefix(prefix): value for key, value in params.items() if key.startswith(prefix)
    }
    return family, point


def trial_seed(seed: int, number: int) -> int:
    """A seed for trial ``number`` of a study seeded ``seed``: the same pair, the same seed."""
    return random.Random(f"{seed}/trial/{number}").getrandbits(32)


def tpe(seed: int) -> BaseSampler:
    """Optuna's multivariate TPE, grouping the parameters that are drawn together (a family's)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExperimentalWarning)  # the ``group`` argument
        return TPESampler(seed=seed, multivariate=True, group=True)


class TrialSeededSampler(BaseSampler):
    """A sampler made afresh for each trial, seeded by the study's seed and the trial's number.

    Optuna's samplers keep one random generator per process, so workers started with the same
    ``--seed`` would draw the same points in lockstep. Seeding each trial's draws by its number
    keeps the workers apart, and keeps a one-worker study reproducible: the same command draws
    the same points, as long as the trials before them scored the same.
    """

    def __init__(self, seed: int, make: Callable[[int], BaseSampler] = tpe) -> None:
        self.seed = seed
        self.make = make
        self._current: tuple[int, BaseSampler] | None = None

    def _for(self, trial: FrozenTrial) -> BaseSampler:
        if self._current is None or self._current[0] != trial.number:
            self._current = (trial.number, self.make(trial_seed(self.seed, trial.number)))
        return self._current[1]

    def infer_relative_search_space(
        self, study: optuna.Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return self._for(trial).infer_relative_search_space(study, trial)

    def sample_relative(
        self, study: optuna.Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        return self._for(trial).sample_relative(study, trial, search_space)

    def sample_independent(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        return self._for(trial).sample_independent(study, trial, param_name, param_distribution)

    def before_trial(self, study: optuna.Study, trial: FrozenTrial) -> None:
        self._for(trial).before_trial(study, trial)

    def after_trial(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        self._for(trial).after_trial(study, trial, state, values)

    def reseed_rng(self) -> None:
        """Nothing to do: every trial's generator is seeded anew."""
