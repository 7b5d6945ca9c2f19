"""A layer's arguments as a reader wants them: only those that differ from Keras' defaults, each in
its shortest spelling (``3`` for ``[3, 3]``, ``1`` for ``[[1, 1], [1, 1]]``).

A spec's field defaults are Keras' own, so "differs from the field's default" is "differs from
Keras' default". The import writes these into the spec; the export writes them into code.
"""

from __future__ import annotations

import json
import struct
from typing import Any

from pydantic import ValidationError

from archplan.layers import Layer
from archplan.layers.args import Regularizer

WIRING = ("type", "name", "inputs")
"""Fields that are not Keras arguments: the layer's type, its name, what it takes."""
SYMMETRIC_FACTORS = frozenset({"factor", "height_factor", "width_factor"})
"""The augmentations' factors, where ``f`` means ``[-f, f]`` (Keras' RandomRotation writes its
factor out as that pair)."""


SETTINGS = ("trainable",)
"""Arguments of every Keras layer (its base class's), written after the layer's own."""


def argument_names(layer_class: type[Layer]) -> list[str]:
    """The layer's Keras arguments, in the order the spec class declares them; then ``trainable``,
    which every Keras layer takes but one without weights (SpatialDropout2D)."""
    own = [name for name in layer_class.model_fields if name not in WIRING + SETTINGS]
    return own + ["trainable"] * layer_class.takes_trainable


def required_arguments(layer_class: type[Layer]) -> list[str]:
    """The arguments without a default: Keras' leading positional parameters (``filters``,
    ``kernel_size``), in order."""
    fields = layer_class.model_fields
    return [name for name in argument_names(layer_class) if fields[name].is_required()]


def same_value(first: Any, second: Any) -> bool:
    """Equal, taking a one-item tuple for its item (``axis=(3,)`` is ``axis=3`` to Keras)."""
    if first == second:
        return True
    if isinstance(first, tuple) and len(first) == 1:
        return bool(first[0] == second)
    if isinstance(second, tuple) and len(second) == 1:
        return bool(second[0] == first)
    return False


def given_arguments(layer: Layer) -> dict[str, Any]:
    """The arguments a reader must see: the required ones, and the others where they differ from
    the default; as JSON values in their shortest spelling, in declaration order."""
    fields = type(layer).model_fields
    required = required_arguments(type(layer))
    dumped = layer.model_dump(mode="json")
    given: dict[str, Any] = {}
    for name in argument_names(type(layer)):
        value = getattr(layer, name)
        default = None if name in required else fields[name].get_default(call_default_factory=True)
        if name in required or not same_value(value, default):
            given[name] = _shortest(layer, name, _json_value(value, dumped[name]))
            if name in SYMMETRIC_FACTORS:
                given[name] = _symmetric(given[name])
    return given


def _symmetric(factor: Any) -> Any:
    """``[-0.1, 0.1]`` → ``0.1``: the one number that means the same range."""
    if isinstance(factor, list) and len(factor) == 2:
        low, high = factor
        if low == -high and high >= 0:
            return high + 0.0  # -0.0 → 0.0
    return factor


def _json_value(value: Any, dumped: Any) -> Any:
    """A field as spec JSON; a regularizer in archplan's short form ``{"l2": 0.0005}`` (both
    penalties when neither is set: Keras' ``L1L2()``)."""
    if isinstance(value, Regularizer):
        penalties = {"l1": value.l1, "l2": value.l2}
        return {key: penalty for key, penalty in penalties.items() if penalty} or penalties
    return dumped


def _shortest(layer: Layer, name: str, value: Any) -> Any:
    """The shortest spelling of ``value`` that reads back to the same argument: ``[3, 3]`` →
    ``3``, ``[[1, 1], [2, 2]]`` → ``[1, 2]``, ``[3]`` → ``3``."""
    for candidate in _shorter_spellings(value):
        if _reads_back(layer, name, candidate):
            return candidate
    return value


def _shorter_spellings(value: Any) -> list[Any]:
    if not isinstance(value, list) or not value:
        return []
    candidates = []
    leaves = _leaves(value)
    if all(leaf == leaves[0] for leaf in leaves) and not isinstance(leaves[0], list):
        candidates.append(leaves[0])
    if all(isinstance(item, list) and item and all(x == item[0] for x in item) for item in value):
        candidates.append([item[0] for item in value])
    return candidates


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]


def _reads_back(layer: Layer, name: str, candidate: Any) -> bool:
    data = {**layer.model_dump(mode="json"), name: candidate}
    try:
        again = type(layer).model_validate_json(json.dumps(data))
    except ValidationError:
        return False
    return same_value(getattr(again, name), getattr(layer, name))


def shortest_float32(value: Any) -> Any:
    """A float32 value as Keras stores it (0.01 comes back as 0.009999999776482582) written as the
    shortest decimal of the same float32; any other value as it is."""
    if not isinstance(value, float):
        return value
    try:
        single = struct.unpack("f", struct.pack("f", value))[0]
    except (OverflowError, struct.error):
        return value
    if single != value:
        return value
    for digits in range(1, 10):
        shorter = float(f"{value:.{digits}g}")
        if struct.unpack("f", struct.pack("f", shorter))[0] == single:
            return shorter
    return value
