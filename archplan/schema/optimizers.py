"""Optimizers: Keras' own, with a constant learning rate or a schedule picked by its ``type``.

A schedule's classes are loaded only when a learning rate is a schedule object; an optimizer's
type may be its class name or Keras' lowercase shorthand (``"adam"``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import BaseModel, Discriminator, Field, PlainValidator, Tag, model_validator

from archplan.layers.args import type_tags
from archplan.messages import suggest
from archplan.schema.blocks import NonNegativeFloat, PositiveFloat, Proportion, StrictBlock
from archplan.schema.defaults import OPTIMIZER
from archplan.schema.lazy import UnionSchema

if TYPE_CHECKING:
    from archplan.schema.schedules import Schedule

NUMBER_TAG = "number"
"""The union tag of a plain-number learning rate in the JSON Schema."""


def _learning_rate(value: Any) -> float | Schedule:
    """A positive finite number, or a schedule object of a known ``type`` (its class loaded now)."""
    if isinstance(value, BaseModel):
        return value  # type: ignore[return-value]
    if isinstance(value, Mapping):
        return _schedule(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(
            f'input should be a number or a schedule object ({{"type": "CosineDecay", ...}}), '
            f"got {json.dumps(value, default=str)}"
        )
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"input should be a finite number, got {json.dumps(value)}")
    if value <= 0:
        raise ValueError(f"input should be greater than 0, got {json.dumps(value)}")
    return float(value)


def _schedule(value: Mapping[str, Any]) -> Schedule:
    from archplan.schema.schedules import SCHEDULES

    tag = value.get("type")
    known = ", ".join(SCHEDULES)
    if tag is None:
        raise ValueError(f"a learning-rate schedule needs a 'type': one of {known}")
    if tag not in SCHEDULES:
        raise ValueError(
            f"unknown schedule type {str(tag)!r}{suggest(str(tag), list(SCHEDULES))}; "
            f"known types: {known}"
        )
    return SCHEDULES[tag].model_validate_json(json.dumps(dict(value)))


def _learning_rate_union() -> Any:
    """A constant rate, or a schedule picked by its ``type`` (for the JSON Schema)."""
    from archplan.schema.schedules import SCHEDULES

    members = [Annotated[PositiveFloat, Tag(NUMBER_TAG)]]
    members += [Annotated[cls, Tag(tag)] for tag, cls in SCHEDULES.items()]
    return Annotated[Union[tuple(members)], Discriminator(_kind)]


def _kind(value: Any) -> Any:
    if isinstance(value, Mapping):
        return value.get("type")
    return getattr(value, "type", NUMBER_TAG)


if TYPE_CHECKING:
    LearningRate = float | Schedule
else:
    LearningRate = Annotated[Any, PlainValidator(_learning_rate), UnionSchema(_learning_rate_union)]
    """A constant rate, or a schedule object picked by its ``type``."""


class _OptimizerBase(StrictBlock):
    """What every Keras 3 optimizer takes: a rate, decoupled weight decay, gradient clipping."""

    type: str
    learning_rate: LearningRate
    weight_decay: NonNegativeFloat | None = None
    clipnorm: PositiveFloat | None = None
    global_clipnorm: PositiveFloat | None = None

    @model_validator(mode="after")
    def _one_clipping(self) -> _OptimizerBase:
        if self.clipnorm is not None and self.global_clipnorm is not None:
            raise ValueError(
                "give clipnorm (each weight's gradient) or global_clipnorm (all of them together), "
                "not both; Keras takes one"
            )
        return self


class SGD(_OptimizerBase):
    """Stochastic gradient descent, optionally with (Nesterov) momentum."""

    type: Literal["SGD"]
    learning_rate: LearningRate = 0.01
    momentum: Proportion = 0.0
    nesterov: bool = False


class Adam(_OptimizerBase):
    """Adam: per-weight step sizes from running moments of the gradient."""

    type: Literal["Adam"]
    learning_rate: LearningRate = 0.001
    beta_1: Proportion = 0.9
    beta_2: Proportion = 0.999
    epsilon: PositiveFloat = 1e-7
    amsgrad: bool = False


class AdamW(Adam):
    """Adam with decoupled weight decay on by default, as Keras' ``AdamW`` (a subclass of Adam)."""

    type: Literal["AdamW"]  # type: ignore[assignment]
    weight_decay: NonNegativeFloat = 0.004


class RMSprop(_OptimizerBase):
    """RMSprop: steps scaled by a running mean of squared gradients (Keras' compile default)."""

    type: Literal["RMSprop"]
    learning_rate: LearningRate = 0.001
    rho: Proportion = 0.9
    momentum: Proportion = 0.0
    epsilon: PositiveFloat = 1e-7
    centered: bool = False


OPTIMIZERS: dict[str, type[_OptimizerBase]] = {
    tag: cls for cls in (SGD, Adam, AdamW, RMSprop) for tag in type_tags(cls)
}
OPTIMIZER_NAMES = {name.lower(): name for name in OPTIMIZERS}
"""Keras' string shorthand for each optimizer class: ``"adam"`` for ``Adam``."""


def _optimizer_from_name(value: Any) -> Any:
    """Keras' string shorthand (``"adam"``) for an optimizer with its defaults, and an object's
    ``type`` in either spelling (``"Adam"``, ``"adam"``); anything else, said plainly."""
    if isinstance(value, str):
        return {"type": _optimizer_type(value)}
    if isinstance(value, Mapping):
        if "type" not in value:
            raise ValueError(f"an optimizer needs a 'type': one of {', '.join(OPTIMIZERS)}")
        return {**value, "type": _optimizer_type(value["type"])}
    if isinstance(value, BaseModel):
        return value
    raise ValueError(
        f'expected an optimizer\'s name ("adam") or an object ({{"type": "Adam", ...}}), '
        f"got {json.dumps(value)}"
    )


def _optimizer_type(name: object) -> str:
    """The class name for Keras' name or the class name itself; an unknown one is refused."""
    known = OPTIMIZER_NAMES.get(name.lower()) if isinstance(name, str) else None
    if known is None:
        choices = ", ".join(OPTIMIZERS)
        hint = suggest(name, [*OPTIMIZERS, *OPTIMIZER_NAMES]) if isinstance(name, str) else ""
        raise ValueError(
            f"unknown optimizer {json.dumps(name)}{hint}; archplan knows {choices} "
            "(or Keras' lowercase names: sgd, adam, adamw, rmsprop)"
        )
    return known


def optimizer_of(value: Any) -> Optimizer:
    """Validate an optimizer with the class its ``type`` (or Keras' shorthand) names."""
    if isinstance(value, BaseModel):
        return value  # type: ignore[return-value]
    data = _optimizer_from_name(value)
    optimizer: Optimizer = OPTIMIZERS[data["type"]].model_validate_json(json.dumps(data))  # type: ignore[assignment]
    return optimizer


def optimizer_union() -> Any:
    """Every optimizer, told apart by ``type`` (for the JSON Schema)."""
    return Annotated[Union[SGD, Adam, AdamW, RMSprop], Field(discriminator="type")]


Optimizer = Union[SGD, Adam, AdamW, RMSprop]


def default_optimizer() -> Optimizer:
    """Keras' ``compile`` default optimizer, with its own defaults."""
    return optimizer_of(OPTIMIZER)
