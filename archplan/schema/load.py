"""Reading a spec file and turning every way it can be wrong into one clear line.

Each message says what is wrong, where (the file, and the layer index, name and field), and what
would fix it. Nothing here prints or exits: problems are raised as :class:`SpecError`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from archplan.errors import SpecError
from archplan.files.reading import read_json
from archplan.layers import layer_class, type_names
from archplan.layers.base import Layer
from archplan.messages import layer_label, suggest
from archplan.schema.network import Network

WHERE_SPECS_ARE = " (ready specs are in specs/)"
"""Ends the message for a spec file that is not there.

A spec is read with ``NaN`` and ``Infinity`` let through: its models refuse them field by field,
with the layer and the argument named, which says more than the reader's position could."""


def load_spec(path: str | Path) -> Network:
    """Read, parse and validate the spec at ``path``; its name defaults to the file's stem."""
    path = Path(path)
    data = read_json(path, where_to_look=WHERE_SPECS_ARE, error=SpecError, allow_nan=True)
    return parse_spec(data, source=str(path), default_name=path.stem)


def parse_spec(data: Any, *, source: str = "<spec>", default_name: str = "network") -> Network:
    """Validate already-parsed JSON data (a dict) as a spec."""
    if not isinstance(data, Mapping):
        raise SpecError(
            f"{source}: a spec must be a JSON object with 'input' and 'layers', "
            f"got a JSON {type(data).__name__}"
        )
    try:
        network = Network.model_validate_json(json.dumps(data))
    except ValidationError as error:
        raise SpecError(
            "\n".join(describe_error(source, data, e) for e in error.errors())
        ) from None
    if network.name is None or not network.name.strip():  # "name": "" titles nothing
        network = network.model_copy(update={"name": default_name})
    return network


def describe_error(source: str, data: Mapping[str, Any], error: ErrorDetails) -> str:
    """One line for one pydantic error: where it is, in the spec's own terms, and what to do."""
    loc = list(error["loc"])
    where = [source]
    if len(loc) >= 2 and loc[0] == "layers" and isinstance(loc[1], int):
        where.append(_layer_label(data, loc[1]))
        loc = loc[2:]
    field = ".".join(str(part) for part in loc)
    if field:
        where.append(field)
    return ": ".join([*where, _message(error, data)])


def _layer_label(data: Mapping[str, Any], index: int) -> str:
    """``layers[3] ('conv2', Conv2D)``, with whatever the raw layer gives of its name and type."""
    layers = data.get("layers")
    layer = layers[index] if isinstance(layers, list) and index < len(layers) else None
    if not isinstance(layer, Mapping):
        return layer_label(index)
    name, kind = layer.get("name"), layer.get("type")
    return layer_label(
        index, name if isinstance(name, str) else None, kind if isinstance(kind, str) else None
    )


def _layer_at(data: Mapping[str, Any], loc: tuple[int | str, ...]) -> type[Layer] | None:
    """The class of the layer an error inside ``layers[i]`` is about, from the raw spec."""
    if len(loc) < 3 or loc[0] != "layers" or not isinstance(loc[1], int):
        return None
    layers = data.get("layers")
    raw = layers[loc[1]] if isinstance(layers, list) and loc[1] < len(layers) else None
    kind = raw.get("type") if isinstance(raw, Mapping) else None
    return layer_class(kind) if isinstance(kind, str) else None


def _message(error: ErrorDetails, data: Mapping[str, Any]) -> str:
    kind, ctx, received = error["type"], error.get("ctx", {}), error.get("input")
    if (
        kind == "union_tag_invalid"
        and ctx.get("discriminator") == "'type'"
        and "layers" in error["loc"]
    ):
        tag = str(ctx.get("tag"))
        known = type_names()
        return f"unknown layer type {tag!r}{suggest(tag, known)}; known types: {', '.join(known)}"
    if kind == "union_tag_not_found":
        return (
            'missing \'type\': give the layer\'s Keras class, e.g. "type": "Conv2D" '
            f"(known types: {', '.join(type_names())})"
        )
    if kind == "extra_forbidden":
        name = str(error["loc"][-1])
        return f"unknown argument {name!r}{suggest(name, _known_fields(error, data))}"
    if kind == "missing":
        return "missing; this argument is required"
    message = error["msg"].removeprefix("Value error, ")
    if kind in {"value_error", "assertion_error"}:
        return message
    return f"{message[0].lower()}{message[1:]}, got {json.dumps(received)}"


def _known_fields(error: ErrorDetails, data: Mapping[str, Any]) -> list[str]:
    """The argument names valid where an unknown one was found, for a did-you-mean."""
    loc = error["loc"]
    layer = _layer_at(data, loc)
    if layer is not None:
        return list(layer.model_fields)
    if loc[:1] == ("training",):
        from archplan.schema.training import fields_at

        return fields_at(loc[:-1], data)
    if loc[:1] == ("input",):
        from archplan.schema.network import InputSpec

        return list(InputSpec.model_fields)
    return [field.alias or name for name, field in Network.model_fields.items()]
