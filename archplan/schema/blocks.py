"""What every block of a spec's training settings shares: strictness, and the numbers they take."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

PositiveFloat = Annotated[float, Field(gt=0.0)]
NonNegativeFloat = Annotated[float, Field(ge=0.0)]
NonNegativeInt = Annotated[int, Field(ge=0)]
Proportion = Annotated[float, Field(ge=0.0, lt=1.0)]
"""A share below one: momentum, a decay rate, the validation split, label smoothing."""
UnitInterval = Annotated[float, Field(ge=0.0, le=1.0)]


class StrictBlock(BaseModel):
    """A block of settings: unknown keys refused, types as JSON gives them, finite numbers."""

    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, defer_build=True, allow_inf_nan=False
    )
