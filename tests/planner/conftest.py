"""Strategies for the planner's tests: points of each family, small problems."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from archplan.planner.families import FAMILIES, Family, Problem
from archplan.planner.space import Space


def points(space: Space) -> st.SearchStrategy[dict[str, Any]]:
    """A point of ``space``: one of each parameter's choices."""
    return st.fixed_dictionaries(
        {param.name: st.sampled_from(param.choices) for param in space.params}
    )


@st.composite
def family_points(draw: st.DrawFn) -> tuple[Family, dict[str, Any]]:
    family = draw(st.sampled_from(list(FAMILIES.values())))
    return family, draw(points(family.space()))


problems = st.builds(
    Problem,
    input_shape=st.tuples(st.integers(4, 40), st.integers(4, 40), st.integers(1, 4)),
    classes=st.integers(2, 20),
)
"""Small images of any proportion, few or many classes."""
