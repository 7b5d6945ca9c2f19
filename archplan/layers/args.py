"""Argument types shared by layer specs: normalised once, so every message reads alike.

Keras accepts ``kernel_size=3`` or ``kernel_size=(3, 5)``; archplan does too, and turns both into a
``(height, width)`` pair here, in one place that knows the argument's name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    PlainSerializer,
    PlainValidator,
    WithJsonSchema,
)

from archplan.messages import has_invisible, suggest
from archplan.rules.shapes import Pair

PositiveInt = Annotated[int, Field(gt=0)]
Padding = Literal["valid", "same"]
CausalPadding = Literal["valid", "same", "causal"]
"""Conv1D's paddings: ``causal`` pads ``d·(k − 1)`` before the sequence only."""

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


SIZE_NAMES: dict[int, str] = {1: "[length]", 2: "[height, width]", 3: "[depth, height, width]"}
"""How a list of per-axis sizes reads, by the number of spatial axes (as Keras names them)."""


def _sizes_validator(rank: int, minimum: int) -> Any:
    """Build a validator turning ``n`` or a list of ``rank`` integers into a tuple, every item
    ``>= minimum``: Keras' ``standardize_tuple``, one for every number of axes."""

    def to_sizes(value: object) -> tuple[int, ...]:
        expected = f"expected an integer >= {minimum} or a list {SIZE_NAMES[rank]} of them"
        items = int_items(value, rank)
        if items is None or min(items) < minimum:
            raise ValueError(f"{expected}, got {value!r}")
        return items

    return to_sizes


def _sizes_schema(rank: int, minimum: int) -> dict[str, Any]:
    item = {"type": "integer", "minimum": minimum}
    return {"anyOf": [item, {"type": "array", "items": item, "minItems": rank, "maxItems": rank}]}


PositivePair = Annotated[
    Pair, BeforeValidator(_sizes_validator(2, 1)), WithJsonSchema(_sizes_schema(2, 1))
]
"""A size or stride: ``3`` or ``[3, 5]``, each >= 1."""

NonNegativePair = Annotated[
    Pair, BeforeValidator(_sizes_validator(2, 0)), WithJsonSchema(_sizes_schema(2, 0))
]
"""An amount of padding or cropping: ``1`` or ``[1, 2]``, each >= 0."""

PositiveSizes1 = Annotated[
    tuple[int, ...], BeforeValidator(_sizes_validator(1, 1)), WithJsonSchema(_sizes_schema(1, 1))
]
"""A 1-D size or stride: ``3`` or ``[3]``."""
PositiveSizes3 = Annotated[
    tuple[int, ...], BeforeValidator(_sizes_validator(3, 1)), WithJsonSchema(_sizes_schema(3, 1))
]
"""A 3-D size or stride: ``3`` or ``[3, 3, 3]``, depth first."""
NonNegativeSizes1 = Annotated[
    tuple[int, ...], BeforeValidator(_sizes_validator(1, 0)), WithJsonSchema(_sizes_schema(1, 0))
]
NonNegativeSizes3 = Annotated[
    tuple[int, ...], BeforeValidator(_sizes_validator(3, 0)), WithJsonSchema(_sizes_schema(3, 0))
]

DataFormat = Literal["channels_last", "channels_first"]
"""Where the channels axis is: last (Keras' default, ``(height, width, channels)``) or first."""


def _check_activation(value: str | None) -> str | None:
    if value is None or value in ACTIVATIONS:
        return value
    raise ValueError(f"unknown activation {value!r}{suggest(value, ACTIVATIONS)}")


ActivationName = Annotated[
    str | None,
    AfterValidator(_check_activation),
    WithJsonSchema({"anyOf": [{"enum": list(ACTIVATIONS)}, {"type": "null"}]}),
]


def check_printable(value: str) -> str:
    """Refuse a name that holds a control character: printed, it would act on the terminal."""
    if has_invisible(value):
        raise ValueError(
            f"a name must be printable text, got {value!r} (it holds a control character)"
        )
    return value


def _check_layer_name(value: str) -> str:
    check_printable(value)
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


def one_of(options: tuple[str, ...], what: str) -> Any:
    """A validator for a ``Literal`` of names that answers a misspelt one with a did-you-mean.

    Keras accepts some names unchecked (``RandomFlip(mode="horizontl")`` silently never flips);
    archplan refuses them, naming the choices.
    """

    def check(value: object) -> object:
        if isinstance(value, str) and value not in options:
            choices = ", ".join(repr(option) for option in options)
            raise ValueError(f"unknown {what} {value!r}{suggest(value, options)}; one of {choices}")
        return value

    return BeforeValidator(check)


@dataclass(frozen=True)
class Regularizer:
    """A kernel's L1/L2 penalty, ``l1·Σ|w| + l2·Σw²``, added to the loss while training.

    It adds no weights: parameter counts are the same with or without it.
    """

    l1: float = 0.0
    l2: float = 0.0

    def keras_config(self) -> dict[str, Any]:
        """Keras' own serialised form, which ``keras.regularizers.get`` turns into the object:
        the smallest class that holds the penalty (L1, L2, or L1L2 for both or neither)."""
        if self.l1 and not self.l2:
            return {"class_name": "L1", "config": {"l1": self.l1}}
        if self.l2 and not self.l1:
            return {"class_name": "L2", "config": {"l2": self.l2}}
        return {"class_name": "L1L2", "config": {"l1": self.l1, "l2": self.l2}}

    def describe(self) -> str:
        """``'L2 0.0005'``, ``'L1 0.001 + L2 0.0005'``."""
        terms = [f"{name} {value:g}" for name, value in (("L1", self.l1), ("L2", self.l2)) if value]
        return " + ".join(terms) or "L1 0 + L2 0"


KERAS_REGULARIZERS: dict[str, tuple[tuple[str, ...], Regularizer]] = {
    "L1": (("l1",), Regularizer(l1=0.01)),
    "L2": (("l2",), Regularizer(l2=0.01)),
    "L1L2": (("l1", "l2"), Regularizer()),
}
"""Keras' regularizer classes archplan knows: their arguments and their defaults (Keras' own:
``L1()`` and ``L2()`` penalise by 0.01, ``L1L2()`` by nothing)."""
KERAS_REGULARIZER_NAMES = [name for known in KERAS_REGULARIZERS for name in (known, known.lower())]
"""Each class by its name and its snake_case (``'L1L2'``, ``'l1l2'``), as Keras looks them up."""

REGULARIZER_FORMS = (
    '{"l2": 0.0005}, {"l1": 0.0001, "l2": 0.0005}, Keras\' "l1" or "l2" (0.01), or '
    '{"class_name": "L2", "config": {"l2": 0.0005}}'
)


def _keras_class(name: str) -> str:
    """``'l2'`` or ``'L2'`` → ``'L2'``: Keras knows each class by its name and its snake_case."""
    for known in KERAS_REGULARIZERS:
        if name in (known, known.lower()):
            return known
    raise ValueError(
        f"unknown regularizer {name!r}{suggest(name, KERAS_REGULARIZER_NAMES)}; archplan knows "
        f"L1, L2 and L1L2, written {REGULARIZER_FORMS}"
    )


def _penalty(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name}: expected a number >= 0, got {value!r}")
    if value < 0:
        raise ValueError(f"{name}: a penalty cannot be negative, got {value!r}; use a value >= 0")
    return float(value)


def _penalties(
    arguments: dict[str, Any], accepted: tuple[str, ...], base: Regularizer
) -> Regularizer:
    """``base`` with the penalties ``arguments`` give; a key outside ``accepted`` is refused."""
    for key in arguments:
        if key not in accepted:
            raise ValueError(
                f"unknown regularizer key {key!r}{suggest(str(key), accepted)}; "
                f"expected {' and/or '.join(repr(name) for name in accepted)}"
            )
    values = {key: _penalty(key, value) for key, value in arguments.items()}
    return Regularizer(l1=values.get("l1", base.l1), l2=values.get("l2", base.l2))


def to_regularizer(value: object) -> Regularizer:
    """Read a regularizer in any of its spellings (see ``REGULARIZER_FORMS``)."""
    if isinstance(value, Regularizer):
        return value
    if isinstance(value, str):
        return KERAS_REGULARIZERS[_keras_class(value)][1]
    if not isinstance(value, dict) or not value:
        raise ValueError(f"expected a regularizer: {REGULARIZER_FORMS}; got {value!r}")
    if "class_name" not in value:
        return _penalties(value, ("l1", "l2"), Regularizer())
    extra = set(value) - {"class_name", "config"}
    if extra or not isinstance(value["class_name"], str):
        raise ValueError(
            f'Keras\' form is {{"class_name": "L2", "config": {{"l2": 0.0005}}}}, got {value!r}'
        )
    accepted, defaults = KERAS_REGULARIZERS[_keras_class(value["class_name"])]
    config = value.get("config", {})
    if not isinstance(config, dict):
        raise ValueError(f'config: expected an object such as {{"l2": 0.0005}}, got {config!r}')
    return _penalties(config, accepted, defaults)


_PENALTY = {"type": "number", "minimum": 0}
KernelRegularizer = Annotated[
    Regularizer,
    PlainValidator(to_regularizer),
    PlainSerializer(Regularizer.keras_config, return_type=dict[str, Any]),
    WithJsonSchema(
        {
            "description": "An L1/L2 weight penalty added to the loss; no parameters added.",
            "anyOf": [
                {"type": "object", "properties": {"l1": _PENALTY, "l2": _PENALTY},
                 "additionalProperties": False, "minProperties": 1},
                {"enum": KERAS_REGULARIZER_NAMES},
                {"type": "object", "required": ["class_name"], "additionalProperties": False,
                 "properties": {"class_name": {"enum": KERAS_REGULARIZER_NAMES},
                                "config": {"type": "object"}}},
            ],
        }
    ),
]  # fmt: skip
"""``kernel_regularizer``: archplan's ``{"l2": 0.0005}`` or Keras' spellings, all read into one
:class:`Regularizer`; it reaches Keras (and a run's spec.json) as Keras' serialised form."""


def type_tags(model: type[BaseModel]) -> tuple[str, ...]:
    """The values a model's ``type: Literal[...]`` field accepts: its union tags."""
    annotation = model.model_fields["type"].annotation
    return tuple(str(value) for value in get_args(annotation))
