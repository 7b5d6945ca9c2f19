"""Design spaces: named parameters, each with a few discrete choices, and the points they span.

A point gives every parameter one of its choices (``{"stages": 3, "depth": 2, "width": 64, ...}``).
A space can be walked in order (every point, when it is small), sampled (seeded: the same seed
gives the same points), or drawn from one parameter at a time by an outside sampler (Optuna's
``trial.suggest_categorical(param.name, param.choices)``), since the parameters are independent
and their choices are plain strings and numbers.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

Choice = int | float | str | bool
"""A value a parameter may take: what a sampler and a JSON file both hold as is."""
Point = Mapping[str, Choice]
"""One choice per parameter of a space, by parameter name."""


@dataclass(frozen=True)
class Param:
    """One dimension of a design space: its name, its default choices, and what it means.

    ``check`` says what is wrong with a value a plan file offers instead (None: nothing).
    """

    name: str
    choices: tuple[Choice, ...]
    help: str
    check: Callable[[Choice], str | None]

    def with_choices(self, choices: tuple[Choice, ...]) -> Param:
        """The same parameter over other choices, each checked; duplicates dropped."""
        if not choices:
            raise ValueError(f"{self.name}: give at least one choice, e.g. {list(self.choices)}")
        for choice in choices:
            problem = self.check(choice)
            if problem is not None:
                raise ValueError(f"{self.name}: {choice!r} {problem}")
        return Param(self.name, tuple(dict.fromkeys(choices)), self.help, self.check)


@dataclass(frozen=True)
class Space:
    """The points of a product of parameters, numbered in order (the last parameter fastest)."""

    params: tuple[Param, ...]

    @property
    def size(self) -> int:
        return math.prod(len(param.choices) for param in self.params)

    def point(self, index: int) -> dict[str, Choice]:
        """The point numbered ``index`` (0 ≤ index < size), in :meth:`points` order."""
        point: dict[str, Choice] = {}
        for param in reversed(self.params):
            index, digit = divmod(index, len(param.choices))
            point[param.name] = param.choices[digit]
        return {param.name: point[param.name] for param in self.params}

    def points(self) -> Iterator[dict[str, Choice]]:
        """Every point, in order."""
        names = [param.name for param in self.params]
        for values in itertools.product(*(param.choices for param in self.params)):
            yield dict(zip(names, values, strict=True))

    def sample(self, count: int, rng: random.Random) -> list[dict[str, Choice]]:
        """``count`` different points drawn with ``rng`` (all of them if there are no more),
        in the space's order, so a seed always gives the same points in the same order."""
        if count >= self.size:
            return list(self.points())
        return [self.point(index) for index in sorted(rng.sample(range(self.size), count))]

    def param(self, name: str) -> Param:
        for param in self.params:
            if param.name == name:
                return param
        raise KeyError(name)


def positive_int(value: Choice) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return "is not a whole number of at least 1"
    return None


def multiple_of_8(value: Choice) -> str | None:
    if positive_int(value) is not None or int(value) % 8:
        return "is not a positive multiple of 8 (widths are multiples of 8)"
    return None


def positive_number(value: Choice) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        return "is not a number above 0"
    return None


def odd_kernel(value: Choice) -> str | None:
    if positive_int(value) is not None or int(value) % 2 == 0:
        return "is not an odd kernel size (1, 3, 5, 7, ...)"
    return None


def one_of(*options: str) -> Callable[[Choice], str | None]:
    def check(value: Choice) -> str | None:
        if value not in options:
            return f"is not one of {', '.join(repr(option) for option in options)}"
        return None

    return check


def a_bool(value: Choice) -> str | None:
    return None if isinstance(value, bool) else "is not true or false"


def validate_point(space: Space, point: Point) -> dict[str, Choice]:
    """A point from outside (a file, a sampler): every parameter given once, from its choices."""
    names = [param.name for param in space.params]
    unknown = [name for name in point if name not in names]
    missing = [name for name in names if name not in point]
    if unknown or missing:
        parts = [f"unknown {', '.join(unknown)}" if unknown else "",
                 f"missing {', '.join(missing)}" if missing else ""]  # fmt: skip
        raise ValueError(f"{'; '.join(part for part in parts if part)}; parameters: {names}")
    for param in space.params:
        problem = param.check(point[param.name])
        if problem is not None:
            raise ValueError(f"{param.name}: {point[param.name]!r} {problem}")
    return {name: point[name] for name in names}
