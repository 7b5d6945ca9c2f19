"""The training block's schedules, regularisation and callbacks: what parses, and each mistake's line."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archplan.errors import SpecError
from archplan.schema import Training, parse_spec
from archplan.schema.optimizers import SGD, AdamW
from archplan.schema.schedules import CosineDecay, OneCycle, PiecewiseConstantDecay
from archplan.schema.training import CheckpointBest, EarlyStopping, fields_at

SPEC = {
    "input": {"shape": [32, 32, 3]},
    "layers": [{"type": "Flatten"}, {"type": "Dense", "units": 10, "activation": "softmax"}],
}
SCHEDULE_TYPES = "CosineDecay, ExponentialDecay, OneCycle, PiecewiseConstantDecay"


def training(block: dict[str, Any]) -> Training:
    network = parse_spec({**SPEC, "training": block})
    assert network.training is not None
    return network.training


def problem(block: dict[str, Any]) -> str:
    with pytest.raises(SpecError) as caught:
        parse_spec({**SPEC, "training": block})
    return str(caught.value)


def sgd(learning_rate: Any) -> dict[str, Any]:
    return {"optimizer": {"type": "SGD", "learning_rate": learning_rate}}


# What parses.


def test_a_spec_without_the_new_options_keeps_its_meaning() -> None:
    block = training({"optimizer": "sgd", "epochs": 3})
    assert block.optimizer == SGD(type="SGD")
    assert block.optimizer.learning_rate == 0.01
    assert block.optimizer.weight_decay is None
    assert (block.label_smoothing, block.early_stopping, block.checkpoint_best) == (0.0, None, None)


def test_adamw_shorthand_has_keras_defaults() -> None:
    optimizer = training({"optimizer": "adamw"}).optimizer
    assert optimizer == AdamW(type="AdamW")
    assert (optimizer.learning_rate, optimizer.weight_decay) == (0.001, 0.004)


def test_weight_decay_and_clipping_on_any_optimizer() -> None:
    block = training(
        {"optimizer": {"type": "SGD", "momentum": 0.9, "weight_decay": 5e-4, "clipnorm": 1}}
    )
    assert (block.optimizer.weight_decay, block.optimizer.clipnorm) == (5e-4, 1.0)
    rms = training({"optimizer": {"type": "RMSprop", "global_clipnorm": 2.0}}).optimizer
    assert (rms.weight_decay, rms.global_clipnorm) == (None, 2.0)


@pytest.mark.parametrize(
    ("rate", "expected"),
    [
        ({"type": "CosineDecay", "initial_learning_rate": 0, "warmup_target": 0.1, "warmup_epochs": 2},
         CosineDecay(type="CosineDecay", initial_learning_rate=0.0, warmup_target=0.1, warmup_epochs=2.0)),
        ({"type": "CosineDecay", "initial_learning_rate": 0.1, "decay_steps": 1000, "alpha": 0.01},
         CosineDecay(type="CosineDecay", initial_learning_rate=0.1, decay_steps=1000, alpha=0.01)),
        ({"type": "OneCycle", "max_learning_rate": 0.1},
         OneCycle(type="OneCycle", max_learning_rate=0.1, warmup_fraction=0.25, start_factor=0.04, end_factor=4e-6)),
        ({"type": "PiecewiseConstantDecay", "boundaries_epochs": [10, 20], "values": [0.1, 0.01, 0.001]},
         PiecewiseConstantDecay(type="PiecewiseConstantDecay", boundaries_epochs=[10, 20], values=[0.1, 0.01, 0.001])),
    ],
)  # fmt: skip
def test_learning_rate_schedules_parse(rate: dict[str, Any], expected: Any) -> None:
    assert training(sgd(rate)).optimizer.learning_rate == expected


def test_callback_blocks_switch_on_with_true() -> None:
    block = training({"validation_split": 0.1, "early_stopping": True, "checkpoint_best": True})
    assert block.early_stopping == EarlyStopping(
        monitor="val_loss", patience=5, min_delta=0.0, restore_best_weights=True
    )
    assert block.checkpoint_best == CheckpointBest(monitor="val_loss")
    assert training({"early_stopping": False}).early_stopping is None


def test_label_smoothing_with_one_hot_labels() -> None:
    assert training({"label_smoothing": 0.1}).label_smoothing == 0.1


def test_different_monitors_are_fine_when_early_stopping_restores_nothing() -> None:
    block = training({
        "validation_split": 0.2,
        "early_stopping": {"monitor": "val_loss", "restore_best_weights": False},
        "checkpoint_best": {"monitor": "val_accuracy"},
    })  # fmt: skip
    assert block.checkpoint_best == CheckpointBest(monitor="val_accuracy")


# Each mistake, one line: the spec's own path, what is wrong, what would fix it.

COSINE = {"type": "CosineDecay", "initial_learning_rate": 0.1}
ONE_CYCLE = {"type": "OneCycle", "max_learning_rate": 0.1}
PIECEWISE = {
    "type": "PiecewiseConstantDecay",
    "boundaries": [100, 200],
    "values": [0.1, 0.01, 0.001],
}
LR = "<spec>: training.optimizer.learning_rate"


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        (sgd(-0.1), f"{LR}: input should be greater than 0, got -0.1"),
        (sgd("fast"), f'{LR}: input should be a number or a schedule object ({{"type": "CosineDecay", ...}}), got "fast"'),
        (sgd({**COSINE, "type": "CosinDecay"}),
         f"{LR}: unknown schedule type 'CosinDecay' (did you mean 'CosineDecay'?); known types: {SCHEDULE_TYPES}"),
        (sgd({"initial_learning_rate": 0.1}), f"{LR}: a learning-rate schedule needs a 'type': one of {SCHEDULE_TYPES}"),
        (sgd({**COSINE, "initial_learning_rate": -0.1}),
         f"{LR}.initial_learning_rate: input should be greater than or equal to 0, got -0.1"),
        (sgd({**COSINE, "alpha": 1.5}), f"{LR}.alpha: input should be less than or equal to 1, got 1.5"),
        (sgd({**COSINE, "decay_steps": 0}), f"{LR}.decay_steps: input should be greater than 0, got 0"),
        (sgd({**COSINE, "decay_steps": 100, "decay_epochs": 2}), f"{LR}: give decay_steps or decay_epochs, not both"),
        (sgd({**COSINE, "warmup_steps": 100}), f"{LR}: a warm-up needs warmup_target, the rate it climbs to"),
        (sgd({**COSINE, "warmup_target": 0.2}), f"{LR}: warmup_target needs warmup_steps or warmup_epochs above 0"),
        (sgd({**COSINE, "warmup_target": 0.01, "warmup_epochs": 1}),
         f"{LR}: warmup_target 0.01 is below initial_learning_rate 0.1; a warm-up climbs from one to the other"),
        (sgd({**COSINE, "initial_learning_rate": 0}),
         f"{LR}: initial_learning_rate 0 without a warm-up keeps the rate at 0; "
         "give a positive rate, or warmup_target and warmup_steps or warmup_epochs"),
        (sgd({**COSINE, "decay_step": 10}), f"{LR}.decay_step: unknown argument 'decay_step' (did you mean 'decay_steps'?)"),
        (sgd({**ONE_CYCLE, "max_learning_rate": -1}), f"{LR}.max_learning_rate: input should be greater than 0, got -1"),
        (sgd({**ONE_CYCLE, "warmup_fraction": 1.5}), f"{LR}.warmup_fraction: input should be less than 1, got 1.5"),
        (sgd({**ONE_CYCLE, "warmup_fraction": 0}), f"{LR}.warmup_fraction: input should be greater than 0, got 0"),
        (sgd({**ONE_CYCLE, "start_factor": 0}), f"{LR}.start_factor: input should be greater than 0, got 0"),
        (sgd({**ONE_CYCLE, "end_factor": 2}), f"{LR}.end_factor: input should be less than or equal to 1, got 2"),
        (sgd({**ONE_CYCLE, "total_steps": 100, "total_epochs": 2}), f"{LR}: give total_steps or total_epochs, not both"),
        (sgd({**PIECEWISE, "values": [0.1, 0.01]}),
         f"{LR}: values needs one more entry than boundaries (a rate before, between and after them): "
         "got 2 values for 2 boundaries"),
        (sgd({**PIECEWISE, "boundaries": [200, 100]}), f"{LR}: boundaries must increase strictly, got [200, 100]"),
        (sgd({**PIECEWISE, "boundaries": None, "boundaries_epochs": [5, 5]}),
         f"{LR}: boundaries_epochs must increase strictly, got [5, 5]"),
        (sgd({**PIECEWISE, "boundaries_epochs": [5, 10]}), f"{LR}: give boundaries (in steps) or boundaries_epochs, not both"),
        (sgd({**PIECEWISE, "boundaries": None}), f"{LR}: give boundaries (in steps) or boundaries_epochs"),
        (sgd({**PIECEWISE, "values": [0.1, -0.01, 0.001]}), f"{LR}.values.1: input should be greater than 0, got -0.01"),
        (sgd({"type": "ExponentialDecay", "initial_learning_rate": 0.1, "decay_rate": 0.5}),
         f"{LR}: give decay_steps or decay_epochs"),
        (sgd({"type": "ExponentialDecay", "initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0}),
         f"{LR}.decay_rate: input should be greater than 0, got 0"),
        ({"optimizer": {"type": "SGD", "weight_decay": -0.1}},
         "<spec>: training.optimizer.weight_decay: input should be greater than or equal to 0, got -0.1"),
        ({"optimizer": {"type": "AdamW", "weight_decay": -1}},
         "<spec>: training.optimizer.weight_decay: input should be greater than or equal to 0, got -1"),
        ({"optimizer": {"type": "Adam", "clipnorm": 1, "global_clipnorm": 1}},
         "<spec>: training.optimizer: give clipnorm (each weight's gradient) or global_clipnorm "
         "(all of them together), not both; Keras takes one"),
        ({"optimizer": {"type": "AdamW", "weight_decy": 0.1}},
         "<spec>: training.optimizer.weight_decy: unknown argument 'weight_decy' (did you mean 'weight_decay'?)"),
        ({"validation_split": 0.1, "early_stopping": {"patiense": 3}},
         "<spec>: training.early_stopping.patiense: unknown argument 'patiense' (did you mean 'patience'?)"),
    ],
)  # fmt: skip
def test_invalid_optimizer_or_schedule(block: dict[str, Any], expected: str) -> None:
    assert problem(block) == expected


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ({"optimizer": "adamx"},
         "<spec>: training.optimizer: unknown optimizer \"adamx\" (did you mean 'adam'?); archplan knows SGD, "
         "Adam, AdamW, RMSprop (or Keras' lowercase names: sgd, adam, adamw, rmsprop)"),
        ({"optimizer": {"type": "Adagrad"}},
         "<spec>: training.optimizer: unknown optimizer \"Adagrad\" (did you mean 'adam'?); archplan knows SGD, "
         "Adam, AdamW, RMSprop (or Keras' lowercase names: sgd, adam, adamw, rmsprop)"),
        ({"optimizer": {"learning_rate": 0.1}},
         "<spec>: training.optimizer: an optimizer needs a 'type': one of SGD, Adam, AdamW, RMSprop"),
        ({"optimizer": 5},
         "<spec>: training.optimizer: expected an optimizer's name (\"adam\") or an object ({\"type\": \"Adam\", ...}), got 5"),
        ({"label_smoothing": 1.0}, "<spec>: training.label_smoothing: input should be less than 1, got 1.0"),
        ({"label_smoothing": -0.1}, "<spec>: training.label_smoothing: input should be greater than or equal to 0, got -0.1"),
        ({"loss": "sparse_categorical_crossentropy", "label_smoothing": 0.1},
         "<spec>: training.label_smoothing: Keras' sparse_categorical_crossentropy has no label smoothing; "
         "use the loss 'categorical_crossentropy' (archplan one-hot encodes the labels for it) or drop label_smoothing"),
        ({"label_smothing": 0.1}, "<spec>: training.label_smothing: unknown argument 'label_smothing' (did you mean 'label_smoothing'?)"),
        ({"early_stopping": {}},
         "<spec>: training.early_stopping: monitoring 'val_loss' needs validation data; "
         "set training.validation_split above 0 (e.g. 0.1), or monitor 'loss'"),
        ({"early_stopping": {"monitor": "val_accuracy"}},
         "<spec>: training.early_stopping: monitoring 'val_accuracy' needs validation data; "
         "set training.validation_split above 0 (e.g. 0.1), or monitor 'accuracy'"),
        ({"early_stopping": {"monitor": "accuracy"}, "metrics": []},
         "<spec>: training.early_stopping: monitoring 'accuracy' needs 'accuracy' in training.metrics"),
        ({"validation_split": 0.1, "early_stopping": {"monitor": "val_acc"}},
         "<spec>: training.early_stopping.monitor: input should be 'val_loss', 'val_accuracy', 'loss' or 'accuracy', got \"val_acc\""),
        ({"early_stopping": {"monitor": "loss", "patience": -1}},
         "<spec>: training.early_stopping.patience: input should be greater than or equal to 0, got -1"),
        ({"early_stopping": {"monitor": "loss", "min_delta": -0.1}},
         "<spec>: training.early_stopping.min_delta: input should be greater than or equal to 0, got -0.1"),
        ({"early_stopping": "yes"}, "<spec>: training.early_stopping: input should be an object, true or false, got \"yes\""),
        ({"checkpoint_best": True},
         "<spec>: training.checkpoint_best: monitoring 'val_loss' needs validation data; "
         "set training.validation_split above 0 (e.g. 0.1), or monitor 'loss'"),
        ({"validation_split": 0.1, "early_stopping": True, "checkpoint_best": {"monitor": "val_accuracy"}},
         "<spec>: training.checkpoint_best: it would restore the best epoch by 'val_accuracy' and early_stopping "
         "the best by 'val_loss'; monitor the same metric in both, or set early_stopping.restore_best_weights to false"),
    ],
)  # fmt: skip
def test_invalid_training_option(block: dict[str, Any], expected: str) -> None:
    assert problem(block) == expected


def test_each_schedule_mistake_gets_its_own_line() -> None:
    lines = problem(sgd({**ONE_CYCLE, "max_learning_rate": 0, "warmup_fraction": 2})).splitlines()
    assert len(lines) == 2
    assert all(line.startswith("<spec>: training.optimizer.") for line in lines)


# The loader's helper: the fields of the block at a location, for a did-you-mean.


SCHEDULED = {"optimizer": {"type": "sgd", "learning_rate": {"type": "CosineDecay"}}}


@pytest.mark.parametrize(
    ("training", "loc", "fields"),
    [
        (SCHEDULED, ("training", "optimizer", "learning_rate"), CosineDecay),
        (SCHEDULED, ("training", "optimizer"), SGD),
        ({"optimizer": "adamw"}, ("training", "optimizer"), AdamW),
        ({"optimizer": {"type": "Nope"}}, ("training", "optimizer"), Training),
        ({"early_stopping": {}}, ("training", "early_stopping"), EarlyStopping),
        ({"checkpoint_best": {}}, ("training", "checkpoint_best"), CheckpointBest),
        ({}, ("training",), Training),
    ],
)  # fmt: skip
def test_the_fields_at_a_location_come_from_the_block_written_there(
    training: dict[str, Any], loc: tuple[str, ...], fields: type[Any]
) -> None:
    assert fields_at(loc, {"training": training}) == list(fields.model_fields)


@given(
    boundaries=st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=5),
    extra_values=st.integers(min_value=0, max_value=2),
)
def test_piecewise_accepts_exactly_increasing_boundaries_with_one_more_value(
    boundaries: list[int], extra_values: int
) -> None:
    values = [0.1] * (len(boundaries) + extra_values)
    rate = {"type": "PiecewiseConstantDecay", "boundaries": boundaries, "values": values}
    valid = all(a < b for a, b in itertools.pairwise(boundaries)) and extra_values == 1
    try:
        parse_spec({**SPEC, "training": sgd(rate)})
    except SpecError:
        assert not valid
    else:
        assert valid


@pytest.mark.parametrize(
    "spelling", ["adam", "Adam", {"type": "adam"}, {"type": "ADAM"}, {"type": "Adam"}]
)
def test_an_optimizer_is_named_as_keras_or_its_class_names_it(spelling: Any) -> None:
    assert training({"optimizer": spelling}).optimizer.type == "Adam"
