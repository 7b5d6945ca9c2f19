"""The tutorial's network written as the tutorial writes it, in plain Keras: the baseline that
both benchmarks measure archplan against (trace_speed.py builds it, train_throughput.py trains it).
"""

from __future__ import annotations

from typing import Any


def tutorial_model(keras: Any) -> Any:
    """The tutorial's ``keras.Sequential`` model, not yet compiled."""
    layers = keras.layers
    return keras.Sequential([
        keras.Input((32, 32, 3)),
        layers.Conv2D(64, 3, padding="same", activation="relu"),
        layers.Conv2D(64, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(16, 3, padding="same", activation="relu"),
        layers.Conv2D(16, 3, padding="same", activation="relu"),
        layers.Flatten(),
        layers.Dense(512, activation="relu"),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])  # fmt: skip


def compiled_as_tutorial(keras: Any) -> Any:
    """The model compiled as the tutorial compiles it: SGD 0.001, momentum 0.5."""
    model = tutorial_model(keras)
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.001, momentum=0.5),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model
