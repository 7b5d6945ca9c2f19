"""The Keras side of the training block: optimizers, schedules against hand-computed rates, the loss,
early stopping, best-epoch keeping, and a OneCycle model's round trip through a .keras file."""

from __future__ import annotations

import math
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from archplan.records.history import EpochRecord
from archplan.schema import Training

pytestmark = pytest.mark.keras

STEPS_PER_EPOCH = 10


@pytest.fixture(scope="module")
def setup(keras_module: ModuleType) -> ModuleType:
    """``archplan.keras.training_setup``, imported once Keras runs on the chosen backend."""
    from archplan.keras import training_setup

    return training_setup


def block(**options: Any) -> Training:
    return Training.model_validate(options)


def rates(optimizer: Any, steps: list[int]) -> list[float]:
    """The optimizer's learning rate at each step, as its schedule gives it."""
    return [float(optimizer._learning_rate(step)) for step in steps]


def tiny_model(keras: ModuleType, seed: int = 0) -> Any:
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((4,))
    return keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(inputs))


def tiny_data(samples: int = 32) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(samples, 4)).astype("float32")
    return x, np.eye(2, dtype="float32")[rng.integers(0, 2, samples)]


@pytest.mark.parametrize(
    ("optimizer", "keras_class", "expected"),
    [
        ({"type": "SGD", "momentum": 0.9, "nesterov": True, "weight_decay": 5e-4},
         "SGD", {"learning_rate": 0.01, "momentum": 0.9, "nesterov": True, "weight_decay": 5e-4}),
        ({"type": "Adam", "learning_rate": 0.002, "clipnorm": 1.0},
         "Adam", {"learning_rate": 0.002, "clipnorm": 1.0, "weight_decay": None}),
        ("adamw", "AdamW", {"learning_rate": 0.001, "weight_decay": 0.004, "beta_1": 0.9}),
        ({"type": "RMSprop", "global_clipnorm": 2.0, "weight_decay": 1e-4},
         "RMSprop", {"learning_rate": 0.001, "global_clipnorm": 2.0, "weight_decay": 1e-4}),
    ],
)  # fmt: skip
def test_each_optimizer_builds_with_its_arguments(
    setup: ModuleType, optimizer: Any, keras_class: str, expected: dict[str, Any]
) -> None:
    built = setup.build_optimizer(block(optimizer=optimizer), STEPS_PER_EPOCH)
    assert type(built).__name__ == keras_class
    config = built.get_config()
    for name, value in expected.items():
        assert config[name] == pytest.approx(value) if value is not None else config[name] is None


def test_cosine_decay_warms_up_then_follows_the_cosine(setup: ModuleType) -> None:
    rate = {"type": "CosineDecay", "initial_learning_rate": 0.0, "warmup_target": 0.1,
            "warmup_epochs": 1, "decay_epochs": 2, "alpha": 0.1}  # fmt: skip
    optimizer = setup.build_optimizer(block(optimizer={"type": "SGD", "learning_rate": rate}), 10)
    steps = [0, 5, 10, 15, 20, 30, 40]

    def expected(step: int) -> float:  # a linear climb over 10 steps, a cosine over 20
        if step < 10:
            return 0.1 * step / 10
        done = min(step - 10, 20) / 20
        return 0.1 * ((1 - 0.1) * 0.5 * (1 + math.cos(math.pi * done)) + 0.1)

    assert rates(optimizer, steps) == pytest.approx([expected(s) for s in steps], abs=1e-7)


def test_cosine_decay_without_a_length_decays_over_the_rest_of_the_run(setup: ModuleType) -> None:
    rate = {"type": "CosineDecay", "initial_learning_rate": 0.0, "warmup_target": 0.1,
            "warmup_steps": 5}  # fmt: skip
    training = block(optimizer={"type": "SGD", "learning_rate": rate}, epochs=2)
    schedule = setup.build_optimizer(training, 10, epochs=3)._learning_rate
    assert (schedule.warmup_steps, schedule.decay_steps) == (5, 3 * 10 - 5)


def test_one_cycle_peaks_after_its_warmup_fraction(setup: ModuleType) -> None:
    rate = {"type": "OneCycle", "max_learning_rate": 0.1, "warmup_fraction": 0.25,
            "start_factor": 0.1, "end_factor": 0.01}  # fmt: skip
    training = block(optimizer={"type": "SGD", "learning_rate": rate}, epochs=4)
    optimizer = setup.build_optimizer(training, 25)  # the cycle is the run: 100 steps
    values = rates(optimizer, list(range(0, 121)))
    assert int(np.argmax(values)) == 25
    assert values[0] == pytest.approx(0.01)
    assert values[10] == pytest.approx(0.01 + (0.1 - 0.01) * 10 / 25)
    assert values[25] == pytest.approx(0.1)
    assert values[50] == pytest.approx(0.1 + (0.001 - 0.1) * 25 / 75)
    assert values[100] == values[120] == pytest.approx(0.001, rel=1e-5)  # float32


def test_piecewise_epoch_boundaries_switch_at_the_epochs_first_step(setup: ModuleType) -> None:
    rate = {
        "type": "PiecewiseConstantDecay",
        "boundaries_epochs": [2, 4],
        "values": [0.1, 0.01, 0.001],
    }
    optimizer = setup.build_optimizer(block(optimizer={"type": "SGD", "learning_rate": rate}), 10)
    assert rates(optimizer, [0, 19, 20, 39, 40, 100]) == pytest.approx(
        [0.1, 0.1, 0.01, 0.01, 0.001, 0.001]
    )


def test_piecewise_step_boundaries_are_keras_own(setup: ModuleType) -> None:
    rate = {"type": "PiecewiseConstantDecay", "boundaries": [5], "values": [0.1, 0.01]}
    optimizer = setup.build_optimizer(block(optimizer={"type": "SGD", "learning_rate": rate}), 10)
    assert rates(optimizer, [5, 6]) == pytest.approx([0.1, 0.01])


def test_exponential_decay_per_epoch(setup: ModuleType) -> None:
    rate = {"type": "ExponentialDecay", "initial_learning_rate": 0.1, "decay_epochs": 1,
            "decay_rate": 0.5, "staircase": True}  # fmt: skip
    optimizer = setup.build_optimizer(block(optimizer={"type": "SGD", "learning_rate": rate}), 10)
    assert rates(optimizer, [0, 9, 10, 25]) == pytest.approx([0.1, 0.1, 0.05, 0.025])


def test_label_smoothing_reaches_the_loss(setup: ModuleType) -> None:
    loss = setup.build_loss(block(label_smoothing=0.2))
    assert loss.get_config()["label_smoothing"] == 0.2
    # two classes: the one-hot [0, 1] becomes [0.1, 0.9]
    value = float(loss(np.array([[0.0, 1.0]]), np.array([[0.25, 0.75]])))
    assert value == pytest.approx(-(0.1 * math.log(0.25) + 0.9 * math.log(0.75)), rel=1e-5)
    sparse = setup.build_loss(block(loss="sparse_categorical_crossentropy"))
    assert type(sparse).__name__ == "SparseCategoricalCrossentropy"


def test_early_stopping_stops_and_restores_the_best_epoch(
    setup: ModuleType, keras_module: ModuleType
) -> None:
    keras = keras_module
    training = block(early_stopping={"monitor": "loss", "patience": 1, "min_delta": 1e6}, epochs=10)
    model = tiny_model(keras)
    model.compile(optimizer=setup.build_optimizer(training, 4), loss=setup.build_loss(training))
    after_epoch: list[list[np.ndarray]] = []
    remember = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: after_epoch.append(model.get_weights())
    )
    x, y = tiny_data()
    history = model.fit(x, y, batch_size=8, epochs=10, verbose=0,
                        callbacks=[remember, *setup.training_callbacks(training)])  # fmt: skip
    assert len(history.history["loss"]) == 2  # the first epoch sets the best; none can beat it
    for restored, first in zip(model.get_weights(), after_epoch[0], strict=True):
        np.testing.assert_array_equal(restored, first)


def test_training_callbacks_follow_the_spec(setup: ModuleType, tmp_path: Path) -> None:
    assert setup.training_callbacks(block()) == []
    training = block(validation_split=0.1, early_stopping=True, checkpoint_best=True)
    history = [EpochRecord(1, 0.5, 0.4, 1.0, 1.2, 1.0), EpochRecord(2, 0.6, 0.5, 0.9, 1.1, 1.0)]
    keeper, stopper = setup.training_callbacks(
        training, best_path=tmp_path / "best.keras", history=history
    )
    assert (keeper.monitor, keeper.best) == ("val_loss", 1.1)
    # one restorer is enough: checkpoint_best restores the same metric's best
    assert (stopper.monitor, stopper.patience, stopper.restore_best_weights) == (
        "val_loss",
        5,
        False,
    )


def test_best_checkpoint_keeps_saves_and_restores_the_best_epoch(
    setup: ModuleType, keras_module: ModuleType, tmp_path: Path
) -> None:
    model = tiny_model(keras_module)
    path = tmp_path / "best.keras"
    cut = {"short": False}
    keeper = setup.BestCheckpoint("val_accuracy", path=path, cut_short=lambda: cut["short"])
    keeper.set_model(model)
    weights = model.get_weights()
    for epoch, accuracy in enumerate([0.5, 0.7, 0.6]):
        model.set_weights([w + epoch for w in weights])
        keeper.on_epoch_end(epoch, {"val_accuracy": accuracy})
    cut["short"] = True
    model.set_weights([w + 10 for w in weights])
    keeper.on_epoch_end(3, {"val_accuracy": 0.9})  # an interrupted epoch's metrics are partial
    keeper.on_train_end()
    assert keeper.best_epoch == 2
    for restored, original in zip(model.get_weights(), weights, strict=True):
        np.testing.assert_allclose(restored, original + 1)
    saved = keras_module.saving.load_model(path, compile=False)
    for kept, original in zip(saved.get_weights(), weights, strict=True):
        np.testing.assert_allclose(kept, original + 1)


def test_a_resumed_run_that_never_beats_its_best_gets_it_back_from_disk(
    setup: ModuleType, keras_module: ModuleType, tmp_path: Path
) -> None:
    model = tiny_model(keras_module)
    path = tmp_path / "best.keras"
    model.save(path)
    best = model.get_weights()
    keeper = setup.BestCheckpoint("loss", path=path, best_so_far=0.1)
    keeper.set_model(model)
    model.set_weights([w + 1 for w in best])
    keeper.on_epoch_end(5, {"loss": 0.2})
    keeper.on_train_end()
    assert keeper.best_epoch is None
    for restored, kept in zip(model.get_weights(), best, strict=True):
        np.testing.assert_array_equal(restored, kept)


def test_a_one_cycle_model_saves_and_loads_back(
    setup: ModuleType, keras_module: ModuleType, tmp_path: Path
) -> None:
    keras = keras_module
    rate = {"type": "OneCycle", "max_learning_rate": 0.05, "total_steps": 20}
    training = block(optimizer={"type": "SGD", "momentum": 0.9, "learning_rate": rate})
    model = tiny_model(keras)
    model.compile(optimizer=setup.build_optimizer(training, 4), loss=setup.build_loss(training))
    x, y = tiny_data()
    model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    schedule = loaded.optimizer._learning_rate
    assert isinstance(schedule, setup.OneCycleSchedule)
    assert schedule.get_config() == model.optimizer._learning_rate.get_config()
    assert int(loaded.optimizer.iterations) == 8
    assert float(loaded.optimizer.learning_rate) == pytest.approx(
        float(model.optimizer.learning_rate)
    )
    assert float(model.optimizer.learning_rate) == pytest.approx(
        0.05 + (0.05 * 4e-6 - 0.05) * 3 / 15
    )
