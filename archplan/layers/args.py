"""Argument types shared by layer specs: normalised once, so every message reads alike.

Keras accepts ``kernel_size=3`` or ``kernel_size=(3, 5)``; archplan does too, and turns both into a
``(height, width)`` pair here, in one place that knows the argument's name.
"""

from __future__ import annotations

import difflib
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema

Pair = tuple[int, int]
Shape = tuple[int, ...]

PositiveInt = Annotated[int, Field(gt=0)]
Padding = Literal["valid", "same"]

ACTIVATIONS: tuple[str, ...] = (
    "linear", "relu", "relu6", "leaky_relu", "elu", "selu", "celu", "gelu", "silu", "swish",
    "mish", "sigmoid", "hard_sigmoid", "hard_silu", "hard_swish", "log_sigmoid", "tanh",
    "hard_tanh", "softmax", "log_softmax", "softplus", "softsign", "exponential",
)  # fmt: skip
"""Keras' element-wise activations that take no arguments (``keras.activations`` names)."""


def int_items(value: object, count: int) -> tuple[int, ...] | None:
    """``n`` → ``(n,) * count``; a list of ``count`` integers → a tuple; anything else → None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * count
    if isinstance(value, (list, tuple)) and len(value) == count:
        items = [item for item in value if isinstance(item, int) and not isinstance(item, bool)]
        if len(items) == count:
            return tuple(items)
    return None


def _pair_validator(minimum: int) -> Any:
    """Build a validator turning ``n`` or ``[h, w]`` into ``(h, w)``, every item ``>= minimum``."""

    def to_pair(value: object) -> Pair:
        expected = f"expected an integer >= {minimum} or a list [height, width] of them"
        items = int_items(value, 2)
        if items is None or min(items) < minimum:
            raise ValueError(f"{expected}, got {value!r}")
        return (items[0], items[1])

    return to_pair


def _pair_schema(minimum: int) -> dict[str, Any]:
    item = {"type": "integer", "minimum": minimum}
    return {"anyOf": [item, {"type": "array", "items": item, "minItems": 2, "maxItems": 2}]}


PositivePair = Annotated[Pair, BeforeValidator(_pair_validator(1)), WithJsonSchema(_pair_schema(1))]
"""A size or stride: ``3`` or ``[3, 5]``, each >= 1."""

NonNegativePair = Annotated[
    Pair, BeforeValidator(_pair_validator(0)), WithJsonSchema(_pair_schema(0))
]
"""An amount of padding or cropping: ``1`` or ``[1, 2]``, each >= 0."""


def suggest(word: str, choices: tuple[str, ...] | list[str]) -> str:
    """A `` (did you mean 'x'?)`` suffix for a misspelt name, or nothing when no name is close."""
    lowered = {choice.lower(): choice for choice in choices}
    close = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.5)
    return f" (did you mean {lowered[close[0]]!r}?)" if close else ""


def _check_activation(value: str | None) -> str | None:
    if value is None or value in ACTIVATIONS:
        return value
    raise ValueError(f"unknown activation {value!r}{suggest(value, ACTIVATIONS)}")


ActivationName = Annotated[
    str | None,
    AfterValidator(_check_activation),
    WithJsonSchema({"anyOf": [{"enum": list(ACTIVATIONS)}, {"type": "null"}]}),
]


def _check_layer_name(value: str) -> str:
    if not value or "/" in value or value != value.strip():
        raise ValueError(
            f"a layer name must be non-empty, without '/' or surrounding spaces, got {value!r}"
        )
    if value == "input":
        raise ValueError("'input' names the network's input; choose another layer name")
    return value


LayerName = Annotated[str, AfterValidator(_check_layer_name)]


def as_tuple(value: Any) -> Any:
    """A list as a tuple (strict models take tuples only from JSON arrays otherwise)."""
    return tuple(value) if isinstance(value, list) else value


def _names_list(value: Any) -> Any:
    if isinstance(value, str):
        raise ValueError(f'expected a list of layer names, e.g. ["{value}"], got {value!r}')
    return as_tuple(value)


LayerRefs = Annotated[tuple[str, ...], BeforeValidator(_names_list)]
"""Names of earlier layers' outputs (or ``"input"``): ``["stem", "conv2d_1"]``."""
