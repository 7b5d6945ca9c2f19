"""How much work a search is, before it starts: networks to measure, times their layers.

A search measures each point's network layer by layer, so its time grows with the points it
examines (``--samples``, or the whole space when it is no larger) and with the layers of each
network (``stages``, ``depth``, ``depth_growth``). A plan whose ranges reach thousands of stages or
blocks would run for hours without saying so; it is refused up front instead, with its size and
what narrows it. A family's layer count is read off three small networks of its own (one block;
two blocks; two stages), so any family's layout works as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from archplan.errors import ArchplanError
from archplan.planner.families import Family, Problem
from archplan.planner.planfile import Settings
from archplan.planner.space import Space

STEPS_PER_SECOND = 300_000
"""Layer inferences a second, about, on a 2-core machine: a plan bounded at 22.3 million (483,840
networks of up to 46 layers) took 73 s there."""
MAX_LAYER_STEPS = 10_000_000
"""The most layer inferences a search may take: a minute or two; beyond, it is refused."""


@dataclass(frozen=True)
class FamilyWork:
    """One family's share: the networks it examines and the layers of its largest one."""

    name: str
    networks: int
    most_layers: int

    @property
    def layer_steps(self) -> int:
        return self.networks * self.most_layers


def family_work(family: Family, space: Space, samples: int, problem: Problem) -> FamilyWork:
    """The networks the search draws from ``space`` and the layers of the largest."""
    first = {param.name: param.choices[0] for param in space.params}

    def layers(stages: int, depth: int) -> int:
        point = {**first, "stages": stages, "depth": depth, "depth_growth": 0}
        return len(family.network(point, problem).layers)

    one = layers(1, 1)
    per_block = layers(1, 2) - one
    per_stage = layers(2, 1) - one - per_block
    choices = {param.name: param.choices for param in space.params}
    stages = max(int(value) for value in choices["stages"])
    depth = max(int(value) for value in choices["depth"])
    growth = max(int(value) for value in choices["depth_growth"])
    blocks = stages * depth + growth * stages * (stages - 1) // 2
    most = one - per_block - per_stage + per_block * blocks + per_stage * stages
    return FamilyWork(family.name, min(samples, space.size), max(most, one))


def check_work(settings: Settings) -> tuple[FamilyWork, ...]:
    """Each family's work; refuse a search beyond :data:`MAX_LAYER_STEPS`, saying its size and
    what would narrow it."""
    works = tuple(
        family_work(family, space, settings.samples, settings.problem)
        for family, space in settings.spaces
    )
    total = sum(work.layer_steps for work in works)
    if total <= MAX_LAYER_STEPS:
        return works
    shares = "; ".join(
        f"{work.name}: {work.networks:,} networks of up to {work.most_layers:,} layers"
        for work in works
    )
    raise ArchplanError(
        f"the search would take up to {total:,} layer inferences ({shares}), about "
        f"{_duration(total / STEPS_PER_SECOND)}; archplan takes at most {MAX_LAYER_STEPS:,}: "
        "narrow it "
        "with fewer stages (a map halves per stage: 5 take 32×32 to 2×2), a smaller depth or "
        "depth_growth, fewer choices per parameter, or fewer --samples"
    )


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:,.0f} seconds"
    if seconds < 2 * 3600:
        return f"{seconds / 60:,.0f} minutes"
    return f"{seconds / 3600:,.0f} hours"
