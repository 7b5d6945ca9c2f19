"""The optional ``training`` block of a spec: how ``archplan realize --train`` fits the network.

Names and defaults follow Keras (``model.compile`` / ``model.fit``, the optimizer, schedule, loss
and callback classes), so a Keras user can read a spec's training block as the code it stands for.
The optimizer (:mod:`archplan.schema.optimizers`) and a learning-rate schedule
(:mod:`archplan.schema.schedules`) are validated by the class their ``type`` names.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    Field,
    PlainValidator,
    ValidationInfo,
    field_validator,
)

from archplan.schema.blocks import NonNegativeFloat, NonNegativeInt, Proportion, StrictBlock
from archplan.schema.defaults import BATCH_SIZE, MAX_BATCH_SIZE, MAX_SEED
from archplan.schema.lazy import UnionSchema

if TYPE_CHECKING:
    from archplan.schema.optimizers import Optimizer


def _optimizer(value: Any) -> Optimizer:
    from archplan.schema.optimizers import optimizer_of

    return optimizer_of(value)


def _optimizer_union() -> Any:
    from archplan.schema.optimizers import optimizer_union

    return optimizer_union()


def _default_optimizer() -> Optimizer:
    from archplan.schema.optimizers import default_optimizer

    return default_optimizer()


if not TYPE_CHECKING:
    Optimizer = Annotated[Any, PlainValidator(_optimizer), UnionSchema(_optimizer_union)]
    """An optimizer, validated by the class its ``type`` (or Keras' shorthand) names."""


# Loss, callbacks, data scaling.

Monitor = Literal["val_loss", "val_accuracy", "loss", "accuracy"]
"""The metrics Keras logs each epoch that a run can be steered by."""


def monitor_mode(monitor: Monitor) -> Literal["min", "max"]:
    """Which way is better: a loss falls, an accuracy rises."""
    return "max" if monitor.endswith("accuracy") else "min"


class EarlyStopping(StrictBlock):
    """Keras' ``EarlyStopping``: stop once ``monitor`` has not improved for ``patience`` epochs.

    An improvement must beat the best by more than ``min_delta``. With ``restore_best_weights``
    (archplan's default, unlike Keras') the model ends training with its best epoch's weights.
    """

    monitor: Monitor = "val_loss"
    patience: NonNegativeInt = 5
    min_delta: NonNegativeFloat = 0.0
    restore_best_weights: bool = True
    start_from_epoch: NonNegativeInt = 0


class CheckpointBest(StrictBlock):
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


class Rescale(StrictBlock):
    """Pixels are fed to the network as ``x * scale + offset`` (Keras' ``Rescaling`` convention)."""

    scale: float = 1 / 255
    offset: float = 0.0


def _accuracy() -> list[Literal["accuracy"]]:
    return ["accuracy"]


class Training(StrictBlock):
    """How to fit the network: optimizer, loss, metrics, epochs, batches, validation, scaling."""

    optimizer: Optimizer = Field(default_factory=_default_optimizer)
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


# For the loader's messages: the fields of the block at an error's location.

BLOCKS_BY_KEY: dict[str, str] = {
    "early_stopping": "EarlyStopping",
    "checkpoint_best": "CheckpointBest",
    "rescale": "Rescale",
}


def fields_at(loc: Sequence[str | int], data: Any) -> list[str]:
    """The argument names of the training-block object at ``loc`` (a location from the spec's
    top, ``("training", "optimizer")``), read from the raw ``data`` of the spec."""
    from archplan.schema.optimizers import OPTIMIZER_NAMES, OPTIMIZERS
    from archplan.schema.schedules import SCHEDULES

    block: type[BaseModel] = Training
    value = data
    for part in loc:
        value = value.get(part) if isinstance(value, Mapping) else None
        if part == "optimizer":
            kind = value if isinstance(value, str) else _type_of(value)
            block = OPTIMIZERS.get(OPTIMIZER_NAMES.get(str(kind).lower(), ""), block)
        elif part == "learning_rate":
            block = SCHEDULES.get(str(_type_of(value)), block)
        elif isinstance(part, str) and part in BLOCKS_BY_KEY:
            block = globals()[BLOCKS_BY_KEY[part]]
    return list(block.model_fields)


def _type_of(value: Any) -> Any:
    return value.get("type") if isinstance(value, Mapping) else None
