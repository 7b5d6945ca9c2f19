"""The optional ``training`` block of a spec: how ``archplan realize --train`` fits the network.

Names and defaults follow Keras (``model.compile`` / ``model.fit`` and the optimizer classes), so a
Keras user can read a spec's training block as the code it stands for.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

PositiveFloat = Annotated[float, Field(gt=0.0)]
Fraction = Annotated[float, Field(ge=0.0, lt=1.0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)


class SGD(_Strict):
    """Stochastic gradient descent, optionally with (Nesterov) momentum."""

    type: Literal["SGD"]
    learning_rate: PositiveFloat = 0.01
    momentum: Fraction = 0.0
    nesterov: bool = False


class Adam(_Strict):
    """Adam: per-weight step sizes from running moments of the gradient."""

    type: Literal["Adam"]
    learning_rate: PositiveFloat = 0.001
    beta_1: Fraction = 0.9
    beta_2: Fraction = 0.999
    epsilon: PositiveFloat = 1e-7
    amsgrad: bool = False


class RMSprop(_Strict):
    """RMSprop: steps scaled by a running mean of squared gradients (Keras' compile default)."""

    type: Literal["RMSprop"]
    learning_rate: PositiveFloat = 0.001
    rho: Fraction = 0.9
    momentum: Fraction = 0.0
    epsilon: PositiveFloat = 1e-7
    centered: bool = False


OPTIMIZER_NAMES = {"sgd": "SGD", "adam": "Adam", "rmsprop": "RMSprop"}


def _optimizer_from_name(value: Any) -> Any:
    """Accept Keras' string shorthand (``"adam"``) for an optimizer with its defaults."""
    if isinstance(value, str):
        return {"type": OPTIMIZER_NAMES.get(value.lower(), value)}
    return value


Optimizer = Annotated[
    Union[SGD, Adam, RMSprop], Field(discriminator="type"), BeforeValidator(_optimizer_from_name)
]


class Rescale(_Strict):
    """Pixels are fed to the network as ``x * scale + offset`` (Keras' ``Rescaling`` convention)."""

    scale: float = 1 / 255
    offset: float = 0.0


class Training(_Strict):
    """How to fit the network: optimizer, loss, metrics, epochs, batches, validation, scaling."""

    optimizer: Optimizer = Field(default_factory=lambda: RMSprop(type="RMSprop"))
    loss: Literal["categorical_crossentropy", "sparse_categorical_crossentropy"] = (
        "categorical_crossentropy"
    )
    metrics: list[Literal["accuracy"]] = Field(default_factory=lambda: ["accuracy"])
    epochs: Annotated[int, Field(gt=0)] = 1
    batch_size: Annotated[int, Field(gt=0)] = 32
    validation_split: Fraction = 0.0
    rescale: Rescale = Field(default_factory=Rescale)
    seed: int | None = None
