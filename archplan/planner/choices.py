"""What a plan can ask for, as plain values: the objectives and the search's defaults.

Kept apart from the search itself so that the command line can offer them (in ``--help``) without
loading the spec format's models.
"""

from __future__ import annotations

from enum import Enum


class Objective(str, Enum):
    """What ``--objective`` ranks by."""

    budget = "budget"
    params = "params"
    macs = "macs"
    depth = "depth"
    rf = "rf"

    @property
    def meaning(self) -> str:
        """What ranks first, in words (for tables and spec descriptions)."""
        return OBJECTIVE_MEANINGS[self]


OBJECTIVE_MEANINGS = {
    Objective.budget: "the most MACs within the limits, then the fewest parameters",
    Objective.params: "the fewest parameters, then the fewest MACs",
    Objective.macs: "the fewest MACs, then the fewest parameters",
    Objective.depth: "the fewest layers with weights, then the most MACs",
    Objective.rf: "the largest receptive field, then the fewest MACs",
}

DEFAULT_SAMPLES = 3000
"""Points examined per family: a family with at most this many is walked whole, others sampled."""
DEFAULT_TOP = 5
"""Networks chosen."""
