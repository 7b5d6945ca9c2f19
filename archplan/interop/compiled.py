"""A saved model's ``compile_config`` as the spec's training block: optimizer (with its schedule),
loss, label smoothing and metrics, as far as the spec holds them.

A model saved after ``model.compile`` keeps what compile was given; it does not keep how it was
fitted (epochs, batch size, validation split, callbacks), so those stay at the spec's defaults.
Keras stores an optimizer's rate as a float32 variable (0.001 comes back as
0.0010000000474974513): such values are written as the shortest decimal of the same float32.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from archplan.interop.arguments import shortest_float32
from archplan.interop.from_keras import Notes
from archplan.schema.optimizers import OPTIMIZER_NAMES, OPTIMIZERS
from archplan.schema.schedules import SCHEDULES
from archplan.schema.training import Training

OPTIMIZER_SETTINGS: dict[str, Any] = {
    "clipvalue": None,
    "use_ema": False,
    "ema_momentum": 0.99,
    "ema_overwrite_frequency": None,
    "loss_scale_factor": None,
    "gradient_accumulation_steps": None,
}
"""Keras optimizer arguments a spec has no field for, and their defaults."""
KERAS_SCHEDULES = frozenset({"CosineDecay", "ExponentialDecay", "PiecewiseConstantDecay"})
LOSSES = {
    "categorical_crossentropy": "categorical_crossentropy",
    "CategoricalCrossentropy": "categorical_crossentropy",
    "sparse_categorical_crossentropy": "sparse_categorical_crossentropy",
    "SparseCategoricalCrossentropy": "sparse_categorical_crossentropy",
}
ACCURACY = frozenset({"accuracy", "acc"})


def training_block(compiled: Mapping[str, Any] | None, notes: Notes) -> dict[str, Any] | None:
    """The training block for a model compiled as ``compiled`` says; None if never compiled."""
    if not compiled:
        return None
    block: dict[str, Any] = {}
    optimizer = _optimizer(compiled.get("optimizer"), notes)
    if optimizer is not None:
        block["optimizer"] = optimizer
    block.update(_loss(compiled.get("loss"), notes))
    block["metrics"] = _metrics(compiled.get("metrics"), notes)
    try:
        training = Training.model_validate_json(json.dumps(block))
    except ValidationError as error:
        notes.add_training(f"the training settings ({error.errors()[0]['msg']})")
        return None
    given = training.model_dump(mode="json", exclude_defaults=True)
    if "optimizer" in block:  # its type tells which defaults apply, even when all are defaults
        given["optimizer"] = {"type": training.optimizer.type, **given.get("optimizer", {})}
    return given or None


def _optimizer(value: Any, notes: Notes) -> dict[str, Any] | None:
    if isinstance(value, str):
        name = OPTIMIZER_NAMES.get(value.lower())
        if name is None:
            notes.add_training(f"optimizer {value!r} (archplan knows {', '.join(OPTIMIZERS)})")
        return None if name is None else {"type": name}
    if not isinstance(value, Mapping):
        return None
    kind = value.get("class_name")
    if kind not in OPTIMIZERS:
        notes.add_training(f"optimizer {kind!r} (archplan knows {', '.join(OPTIMIZERS)})")
        return None
    fields = OPTIMIZERS[str(kind)].model_fields
    optimizer: dict[str, Any] = {"type": kind}
    for key, setting in (value.get("config") or {}).items():
        if key == "learning_rate":
            rate = _learning_rate(setting, notes)
            if rate is not None:
                optimizer[key] = rate
        elif key in fields and key != "type":
            optimizer[key] = shortest_float32(setting)
        elif key in OPTIMIZER_SETTINGS and setting != OPTIMIZER_SETTINGS[key]:
            notes.add_training(f"optimizer {key}={setting!r}")
        elif key != "name" and key not in OPTIMIZER_SETTINGS:
            notes.add_training(f"optimizer {key} (a Keras argument archplan does not know)")
    return optimizer


def _learning_rate(value: Any, notes: Notes) -> Any:
    """A number, or a Keras schedule the spec has (its lengths in steps, as Keras keeps them)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return shortest_float32(value)
    kind = value.get("class_name") if isinstance(value, Mapping) else None
    if kind not in KERAS_SCHEDULES:
        shown = kind or type(value).__name__
        notes.add_training(f"learning_rate schedule {shown!r} (the spec keeps the default)")
        return None
    fields = SCHEDULES[str(kind)].model_fields
    config = value.get("config") or {}
    kept = {key: setting for key, setting in config.items() if key in fields and key != "type"}
    return {"type": kind} | {key: shortest_float32(setting) for key, setting in kept.items()}


def _loss(value: Any, notes: Notes) -> dict[str, Any]:
    kind = value.get("class_name") if isinstance(value, Mapping) else value
    if kind not in LOSSES:
        if value is not None:
            shown = kind if isinstance(kind, str) else type(value).__name__
            notes.add_training(f"loss {shown!r} (archplan knows the two cross-entropies)")
        return {}
    config = (value.get("config") or {}) if isinstance(value, Mapping) else {}
    if config.get("from_logits"):
        notes.add_training("loss from_logits=True")
    block: dict[str, Any] = {"loss": LOSSES[str(kind)]}
    smoothing = config.get("label_smoothing") or 0.0
    if smoothing:
        block["label_smoothing"] = shortest_float32(smoothing)
    return block


def _metrics(value: Any, notes: Notes) -> list[str]:
    """``accuracy`` where Keras had it; other metrics are noted."""
    metrics = value if isinstance(value, list) else [] if value is None else [value]
    kept = []
    for metric in metrics:
        if isinstance(metric, str) and metric in ACCURACY:
            kept.append("accuracy")
        else:
            shown = metric.get("class_name") if isinstance(metric, Mapping) else metric
            notes.add_training(f"metric {shown!r} (archplan keeps accuracy only)")
    return kept
