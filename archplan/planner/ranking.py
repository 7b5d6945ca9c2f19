"""Ranking candidates by a stated objective, and the Pareto front of parameters against MACs.

The default objective spends the budget: within a family, compute is the best predictor of
accuracy that needs no training, so the most MACs within the limits come first, then the fewest
parameters. The front holds the candidates no other beats on both counts: none has as many MACs
or more with as few parameters or fewer (and is better on one of them).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from archplan.planner.choices import Objective
from archplan.planner.constraints import Figures


def rank_key(objective: Objective, figures: Figures) -> tuple[float, ...]:
    """Smaller ranks first; ties are broken by the caller (by the order candidates came in)."""
    macs = math.inf if figures.macs is None else figures.macs
    if objective is Objective.params:
        return (figures.params, macs)
    if objective is Objective.macs:
        return (macs, figures.params)
    if objective is Objective.depth:
        return (figures.depth, -macs, figures.params)
    if objective is Objective.rf:
        return (-(figures.rf_fraction or 0.0), macs, figures.params)
    return (-macs, figures.params)


def pareto_front(points: Sequence[tuple[int, int | None]]) -> list[bool]:
    """For each (parameters, MACs), whether it is on the front (few parameters, many MACs).

    A point is off the front when another has no more parameters and no fewer MACs, and is
    strictly better on one of them; equal points are on or off together.
    """
    order = sorted(range(len(points)), key=lambda i: (points[i][0], -(points[i][1] or 0)))
    on_front = [False] * len(points)
    best_before = -math.inf  # the most MACs among points with fewer parameters
    index = 0
    while index < len(order):
        params = points[order[index]][0]
        group = []
        while index < len(order) and points[order[index]][0] == params:
            group.append(order[index])
            index += 1
        most = max(points[i][1] or 0 for i in group)
        if most > best_before:
            for i in group:
                on_front[i] = (points[i][1] or 0) == most
            best_before = most
    return on_front
