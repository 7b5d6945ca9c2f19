"""One layer of a network changed, without dumping and re-reading the whole spec.

Only the changed layer is validated again (by its class, with a spec file's messages), then the
network's names and references; every other layer is kept as it was validated.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

from archplan.errors import SpecError
from archplan.messages import suggest
from archplan.schema.load import describe_error
from archplan.schema.network import Network, validate_layer


def layer_index(network: Network, which: int | str) -> int:
    """The index of a layer given by index (negative counts from the end) or by name (its own or
    Keras' automatic one, as ``trace`` shows it)."""
    count = len(network.layers)
    if isinstance(which, int):
        if not -count <= which < count:
            raise SpecError(f"layers[{which}]: the network has {count} layers (0..{count - 1})")
        return which % count
    names = network.layer_names()
    if which not in names:
        raise SpecError(f"no layer is named {which!r}{suggest(which, names)}")
    return names.index(which)


def replace_layer(
    network: Network, which: int | str, changes: Mapping[str, Any], *, source: str = "<spec>"
) -> Network:
    """``network`` with the layer ``which`` changed: ``changes`` are its arguments in the spec
    file's terms (``{"padding": "same"}``, ``{"type": "AveragePooling2D"}``); ``None`` drops one."""
    index = layer_index(network, which)
    data = network.layers[index].model_dump(mode="json", by_alias=True, exclude_none=True)
    data.update(changes)
    data = {key: value for key, value in data.items() if value is not None}
    raw: dict[str, Any] = {"layers": [{}] * index + [data]}
    try:
        layer = validate_layer(data)
    except ValidationError as error:
        raise SpecError(
            "\n".join(
                describe_error(source, raw, {**e, "loc": ("layers", index, *e["loc"])})
                for e in error.errors()
            )
        ) from None
    except PydanticCustomError as error:  # the type itself: unknown or missing
        details: ErrorDetails = {
            "type": error.type,
            "loc": ("layers", index),
            "msg": error.message(),
            "input": data.get("type"),
            "ctx": error.context or {},
        }
        raise SpecError(describe_error(source, raw, details)) from None
    layers = [*network.layers[:index], layer, *network.layers[index + 1 :]]
    fields = {name: getattr(network, name) for name in Network.model_fields}
    try:
        return Network.model_validate({**fields, "layers": layers})
    except ValidationError as error:
        whole = network.model_dump(mode="json", by_alias=True, exclude_none=True)
        whole["layers"][index] = data
        raise SpecError(
            "\n".join(describe_error(source, whole, e) for e in error.errors())
        ) from None
