"""The optional ``training`` block of a spec: how ``archplan realize --train`` fits the network.

Names and defaults follow Keras (``model.compile`` / ``model.fit``, the optimizer, schedule, loss
and callback classes), so a Keras user can read a spec's training block as the code it stands for.
Lengths a Keras schedule counts in optimizer steps may also be given in epochs (``decay_epochs``
beside Keras' ``decay_steps``); the Keras side turns them into steps once it knows the batches.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal, Union, cast

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)

from archplan.layers.args import PositiveInt, type_tags
from archplan.messages import suggest
from archplan.spec.defaults import BATCH_SIZE, MAX_BATCH_SIZE, MAX_SEED, OPTIMIZER

PositiveFloat = Annotated[float, Field(gt=0.0)]
NonNegativeFloat = Annotated[float, Field(ge=0.0)]
NonNegativeInt = Annotated[int, Field(ge=0)]
Proportion = Annotated[float, Field(ge=0.0, lt=1.0)]
"""A share below one: momentum, a decay rate, the validation split, label smoothing."""
UnitInterval = Annotated[float, Field(ge=0.0, le=1.0)]



class _Strict(BaseModel):
    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, defer_build=True, allow_inf_nan=False
    )


def _one_length(name: str, steps: float | None, epochs: float | None, *, required: bool) -> None:
    """A length is given in steps or in epochs, never both (and, where Keras needs it, once)."""
    if steps and epochs:
        raise ValueError(f"give {name}_steps or {name}_epochs, not both")
    if required and not (steps or epochs):
        raise ValueError(f"give {name}_steps or {name}_epochs")


# Learning-rate schedules: Keras' own, plus OneCycle (built by archplan.keras.training_setup).


class CosineDecay(_Strict):
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


class ExponentialDecay(_Strict):
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


class PiecewiseConstantDecay(_Strict):
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


class OneCycle(_Strict):
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
    "CosineDecay": CosineDecay,
    "ExponentialDecay": ExponentialDecay,
    "OneCycle": OneCycle,
    "PiecewiseConstantDecay": PiecewiseConstantDecay,
}
NUMBER_TAG = "number"
"""The union tag of a plain-number learning rate (pydantic puts tags in error locations)."""


def _check_learning_rate(value: Any) -> Any:
    """A positive number or a schedule of a known ``type``, said plainly before the union sees it.

    The union's own messages would name its tag function; an unknown schedule gets a did-you-mean.
    """
    if isinstance(value, Mapping):
        tag = value.get("type")
        known = ", ".join(SCHEDULES)
        if tag is None:
            raise ValueError(f"a learning-rate schedule needs a 'type': one of {known}")
        if tag not in SCHEDULES:
            raise ValueError(
                f"unknown schedule type {str(tag)!r}{suggest(str(tag), list(SCHEDULES))}; "
                f"known types: {known}"
            )
    elif isinstance(value, bool) or not isinstance(value, (int, float, BaseModel)):
        raise ValueError(
            f'input should be a number or a schedule object ({{"type": "CosineDecay", ...}}), '
            f"got {json.dumps(value, default=str)}"
        )
    elif not isinstance(value, BaseModel) and value <= 0:
        raise ValueError(f"input should be greater than 0, got {json.dumps(value)}")
    return value


def _learning_rate_kind(value: Any) -> Any:
    if isinstance(value, Mapping):
        return value.get("type")
    return getattr(value, "type", NUMBER_TAG)


LearningRate = Annotated[
    Union[
        Annotated[PositiveFloat, Tag(NUMBER_TAG)],
        Annotated[CosineDecay, Tag("CosineDecay")],
        Annotated[ExponentialDecay, Tag("ExponentialDecay")],
        Annotated[OneCycle, Tag("OneCycle")],
        Annotated[PiecewiseConstantDecay, Tag("PiecewiseConstantDecay")],
    ],
    Discriminator(_learning_rate_kind),
    BeforeValidator(_check_learning_rate),
]
"""A constant rate, or a schedule object picked by its ``type``."""


# Optimizers.


class _OptimizerBase(_Strict):
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


Optimizer = Annotated[
    Union[SGD, Adam, AdamW, RMSprop],
    Field(discriminator="type"),
    BeforeValidator(_optimizer_from_name),
]


# Loss, callbacks, data scaling.

Monitor = Literal["val_loss", "val_accuracy", "loss", "accuracy"]
"""The metrics Keras logs each epoch that a run can be steered by."""


def monitor_mode(monitor: Monitor) -> Literal["min", "max"]:
    """Which way is better: a loss falls, an accuracy rises."""
    return "max" if monitor.endswith("accuracy") else "min"


class EarlyStopping(_Strict):
    """Keras' ``EarlyStopping``: stop once ``monitor`` has not improved for ``patience`` epochs.

    An improvement must beat the best by more than ``min_delta``. With ``restore_best_weights``
    (archplan's default, unlike Keras') the model ends training with its best epoch's weights.
    """

    monitor: Monitor = "val_loss"
    patience: NonNegativeInt = 5
    min_delta: NonNegativeFloat = 0.0
    restore_best_weights: bool = True
    start_from_epoch: NonNegativeInt = 0


class CheckpointBest(_Strict):
    """Keep the best epoch by ``monitor``: saved as ``best.keras``, restored when training ends."""

    monitor: Monitor = "val_loss"


def _switch(value: Any) -> Any:
    """``true`` turns a block on with its defaults, ``false`` leaves it off."""
    if value is True:
        return {}
    if value is False:
        return None
    if value is None or isinstance(value, (Mapping, BaseModel)):
        return value
    raise ValueError(f"input should be an object, true or false, got {json.dumps(value)}")


class Rescale(_Strict):
    """Pixels are fed to the network as ``x * scale + offset`` (Keras' ``Rescaling`` convention)."""

    scale: float = 1 / 255
    offset: float = 0.0


def _accuracy() -> list[Literal["accuracy"]]:
    return ["accuracy"]


def default_optimizer() -> Optimizer:
    """Keras' ``compile`` default optimizer, with its own defaults."""
    return cast("Optimizer", OPTIMIZERS[OPTIMIZER].model_validate({"type": OPTIMIZER}))


class Training(_Strict):
    """How to fit the network: optimizer, loss, metrics, epochs, batches, validation, scaling."""

    optimizer: Optimizer = Field(default_factory=default_optimizer)
    loss: Literal["categorical_crossentropy", "sparse_categorical_crossentropy"] = (
        "categorical_crossentropy"
    )
    metrics: list[Literal["accuracy"]] = Field(default_factory=_accuracy)
    epochs: Annotated[int, Field(gt=0)] = 1
    batch_size: Annotated[int, Field(gt=0, le=MAX_BATCH_SIZE)] = BATCH_SIZE
    validation_split: Proportion = 0.0
    rescale: Rescale = Field(default_factory=Rescale)
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] | None = None
    label_smoothing: Proportion = 0.0
    early_stopping: Annotated[
        EarlyStopping | None,
        BeforeValidator(_switch, json_schema_input_type=EarlyStopping | bool | None),
    ] = None
    checkpoint_best: Annotated[
        CheckpointBest | None,
        BeforeValidator(_switch, json_schema_input_type=CheckpointBest | bool | None),
    ] = None

    @field_validator("label_smoothing")
    @classmethod
    def _smoothing_needs_one_hot_labels(cls, value: float, info: ValidationInfo) -> float:
        if value and info.data.get("loss") == "sparse_categorical_crossentropy":
            raise ValueError(
                "Keras' sparse_categorical_crossentropy has no label smoothing; use the loss "
                "'categorical_crossentropy' (archplan one-hot encodes the labels for it) "
                "or drop label_smoothing"
            )
        return value

    @field_validator("early_stopping", "checkpoint_best")
    @classmethod
    def _monitor_is_logged(
        cls, value: EarlyStopping | CheckpointBest | None, info: ValidationInfo
    ) -> EarlyStopping | CheckpointBest | None:
        problem = value and _monitor_problem(value.monitor, info.data)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("checkpoint_best")
    @classmethod
    def _one_epoch_restored(
        cls, value: CheckpointBest | None, info: ValidationInfo
    ) -> CheckpointBest | None:
        stopping: EarlyStopping | None = info.data.get("early_stopping")
        restoring = stopping.monitor if stopping and stopping.restore_best_weights else None
        if value and restoring and restoring != value.monitor:
            raise ValueError(
                f"it would restore the best epoch by {value.monitor!r} and early_stopping "
                f"the best by {restoring!r}; monitor the same metric in both, or set "
                "early_stopping.restore_best_weights to false"
            )
        return value


def _monitor_problem(monitor: str, data: Mapping[str, Any]) -> str | None:
    """Why Keras would not log ``monitor`` in this run, if it would not."""
    if monitor.startswith("val_") and data.get("validation_split") == 0:
        return (
            f"monitoring {monitor!r} needs validation data; set training.validation_split "
            f"above 0 (e.g. 0.1), or monitor {monitor.removeprefix('val_')!r}"
        )
    metrics = data.get("metrics")
    if monitor.endswith("accuracy") and metrics is not None and "accuracy" not in metrics:
        return f"monitoring {monitor!r} needs 'accuracy' in training.metrics"
    return None


# For the loader's messages: the union tags in error locations, and the fields at a location.

_BLOCKS: dict[str, type[BaseModel]] = {
    **OPTIMIZERS,
    **SCHEDULES,
    "early_stopping": EarlyStopping,
    "checkpoint_best": CheckpointBest,
    "rescale": Rescale,
}
TRAINING_TAGS = frozenset({*OPTIMIZERS, *SCHEDULES, NUMBER_TAG})
"""The discriminator tags pydantic puts in error locations inside the training block."""


def without_tags(loc: Sequence[str | int]) -> list[str | int]:
    """An error location inside the training block as the spec spells it: no union tags."""
    return [part for part in loc if part not in TRAINING_TAGS]


def fields_at(loc: Sequence[str | int]) -> list[str]:
    """The argument names of the training-block object at ``loc`` (a pydantic location)."""
    block: type[BaseModel] = Training
    for part in loc:
        if isinstance(part, str) and part in _BLOCKS:
            block = _BLOCKS[part]
    return list(block.model_fields)
