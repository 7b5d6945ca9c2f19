"""Learning-rate schedules: Keras' own, plus OneCycle (built by archplan.keras.training_setup).

Lengths a Keras schedule counts in optimizer steps may also be given in epochs (``decay_epochs``
beside Keras' ``decay_steps``); the Keras side turns them into steps once it knows the batches.
This module is loaded only for a training block whose learning rate is a schedule.
"""

from __future__ import annotations

import itertools
import json
from typing import Annotated, Literal, Union

from pydantic import Field, model_validator

from archplan.layers.args import PositiveInt, type_tags
from archplan.schema.blocks import (
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    StrictBlock,
    UnitInterval,
)


def _one_length(name: str, steps: float | None, epochs: float | None, *, required: bool) -> None:
    """A length is given in steps or in epochs, never both (and, where Keras needs it, once)."""
    if steps and epochs:
        raise ValueError(f"give {name}_steps or {name}_epochs, not both")
    if required and not (steps or epochs):
        raise ValueError(f"give {name}_steps or {name}_epochs")


class CosineDecay(StrictBlock):
    """Keras' cosine decay, after an optional linear warm-up to ``warmup_target``.

    Without ``decay_steps``/``decay_epochs`` the decay lasts the rest of the run after the warm-up.
    """

    type: Literal["CosineDecay"]
    initial_learning_rate: NonNegativeFloat
    decay_steps: PositiveInt | None = None
    decay_epochs: PositiveFloat | None = None
    alpha: UnitInterval = 0.0
    warmup_target: PositiveFloat | None = None
    warmup_steps: NonNegativeInt = 0
    warmup_epochs: NonNegativeFloat = 0.0

    @model_validator(mode="after")
    def _consistent(self) -> CosineDecay:
        _one_length("decay", self.decay_steps, self.decay_epochs, required=False)
        _one_length("warmup", self.warmup_steps, self.warmup_epochs, required=False)
        warms_up = bool(self.warmup_steps or self.warmup_epochs)
        if warms_up and self.warmup_target is None:
            raise ValueError("a warm-up needs warmup_target, the rate it climbs to")
        if self.warmup_target is not None and not warms_up:
            raise ValueError("warmup_target needs warmup_steps or warmup_epochs above 0")
        if self.warmup_target is not None and self.warmup_target < self.initial_learning_rate:
            raise ValueError(
                f"warmup_target {self.warmup_target} is below initial_learning_rate "
                f"{self.initial_learning_rate}; a warm-up climbs from one to the other"
            )
        if self.initial_learning_rate == 0 and self.warmup_target is None:
            raise ValueError(
                "initial_learning_rate 0 without a warm-up keeps the rate at 0; "
                "give a positive rate, or warmup_target and warmup_steps or warmup_epochs"
            )
        return self


class ExponentialDecay(StrictBlock):
    """Keras' exponential decay: the rate is multiplied by ``decay_rate`` every decay length."""

    type: Literal["ExponentialDecay"]
    initial_learning_rate: PositiveFloat
    decay_steps: PositiveInt | None = None
    decay_epochs: PositiveFloat | None = None
    decay_rate: Annotated[float, Field(gt=0.0, le=1.0)]
    staircase: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> ExponentialDecay:
        _one_length("decay", self.decay_steps, self.decay_epochs, required=True)
        return self


class PiecewiseConstantDecay(StrictBlock):
    """Keras' piecewise-constant rate: ``values[i]`` until boundary ``i``, the last one after.

    ``boundaries`` are optimizer steps, as in Keras (``values[i]`` while step ≤ ``boundaries[i]``);
    ``boundaries_epochs`` are epochs counted from 0: ``values[i]`` from epoch
    ``boundaries_epochs[i-1]`` up to (not including) epoch ``boundaries_epochs[i]``.
    """

    type: Literal["PiecewiseConstantDecay"]
    boundaries: list[NonNegativeInt] | None = None
    boundaries_epochs: list[PositiveInt] | None = None
    values: Annotated[list[PositiveFloat], Field(min_length=2)]

    @model_validator(mode="after")
    def _consistent(self) -> PiecewiseConstantDecay:
        if self.boundaries is not None and self.boundaries_epochs is not None:
            raise ValueError("give boundaries (in steps) or boundaries_epochs, not both")
        if self.boundaries is None and self.boundaries_epochs is None:
            raise ValueError("give boundaries (in steps) or boundaries_epochs")
        name = "boundaries" if self.boundaries is not None else "boundaries_epochs"
        bounds = self.boundaries if self.boundaries is not None else self.boundaries_epochs or []
        if any(later <= earlier for earlier, later in itertools.pairwise(bounds)):
            raise ValueError(f"{name} must increase strictly, got {json.dumps(bounds)}")
        if len(self.values) != len(bounds) + 1:
            raise ValueError(
                f"values needs one more entry than {name} (a rate before, between and after "
                f"them): got {len(self.values)} values for {len(bounds)} {name}"
            )
        return self


class OneCycle(StrictBlock):
    """One cycle: linear climb to ``max_learning_rate``, then linear descent (not in Keras).

    The rate starts at ``max_learning_rate · start_factor``, peaks after ``warmup_fraction`` of the
    cycle and ends at ``max_learning_rate · end_factor``; the defaults are PyTorch's ``OneCycleLR``
    ones (start at max/25, end at start/10⁴). The cycle lasts ``total_steps``/``total_epochs``,
    else the whole run.
    """

    type: Literal["OneCycle"]
    max_learning_rate: PositiveFloat
    warmup_fraction: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.25
    start_factor: Annotated[float, Field(gt=0.0, le=1.0)] = 0.04
    end_factor: UnitInterval = 4e-6
    total_steps: PositiveInt | None = None
    total_epochs: PositiveFloat | None = None

    @model_validator(mode="after")
    def _consistent(self) -> OneCycle:
        _one_length("total", self.total_steps, self.total_epochs, required=False)
        return self


Schedule = Union[CosineDecay, ExponentialDecay, OneCycle, PiecewiseConstantDecay]
SCHEDULES: dict[str, type[Schedule]] = {
    tag: cls
    for cls in (CosineDecay, ExponentialDecay, OneCycle, PiecewiseConstantDecay)
    for tag in type_tags(cls)
}
