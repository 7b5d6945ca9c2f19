"""The network spec: an input shape, an ordered list of layer specs, optional training settings.

The layers form a graph: a layer takes the outputs named in its ``inputs`` (earlier layers' names,
or ``"input"`` for the network's input), or, without ``inputs``, the layer just before it (the
first layer: the input). References point backwards only, so the file's order is an order in
which every layer can be computed; the last layer is the output. :meth:`Network.nodes` gives each
layer with the names it takes, for whatever walks the graph (the engine, the Keras builder).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    SerializeAsAny,
    model_validator,
)
from pydantic_core import PydanticCustomError

from archplan.layers import Layer, any_layer, layer_class, type_names
from archplan.layers.args import PositiveInt, check_printable
from archplan.messages import layer_label, suggest
from archplan.rules.shapes import Shape
from archplan.schema.lazy import UnionSchema

if TYPE_CHECKING:
    from archplan.schema.training import Training

INPUT = "input"
"""The name a layer's ``inputs`` uses for the network's input."""


class InputSpec(BaseModel):
    """The shape of one sample: height, width, channels (channels last), no batch axis."""

    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, defer_build=True, allow_inf_nan=False
    )

    shape: Annotated[tuple[PositiveInt, ...], Field(min_length=1)]


@dataclass(frozen=True)
class Node:
    """One layer in the graph: its position, its name, its spec, and the names of what it takes."""

    index: int
    name: str
    layer: Layer
    inputs: tuple[str, ...]
    """Earlier layers' names, or ``"input"``; several for a merge, in the order given."""

    @property
    def label(self) -> str:
        """``layers[3] ('conv2', Conv2D)``: where the layer is, for messages."""
        return layer_label(self.index, self.name, self.layer.keras_class)


def validate_layer(value: object) -> Layer:
    """Validate one layer with the class its ``type`` names, loading only that class's family.

    The errors are those a discriminated union of every layer class would give, without building
    that union: a spec of three layer types costs three classes, not forty.
    """
    if isinstance(value, Layer):
        return value
    if not isinstance(value, Mapping):
        raise PydanticCustomError("dict_type", "Input should be an object")
    if "type" not in value:
        raise PydanticCustomError(
            "union_tag_not_found",
            "Unable to extract tag using discriminator {discriminator}",
            {"discriminator": "'type'"},
        )
    tag = value["type"]
    cls = layer_class(tag) if isinstance(tag, str) else None
    if cls is None:
        raise PydanticCustomError(
            "union_tag_invalid",
            "Input tag '{tag}' found using {discriminator} does not match any of the expected "
            "tags: {expected_tags}",
            {
                "discriminator": "'type'",
                "tag": str(tag),
                "expected_tags": ", ".join(repr(name) for name in type_names()),
            },
        )
    return cls.model_validate_json(json.dumps(dict(value)))  # JSON's rules, as the file's


LayerSpec = SerializeAsAny[Annotated[Layer, PlainValidator(validate_layer), UnionSchema(any_layer)]]
"""Any layer spec, validated by the class its ``type`` names and dumped with all its fields."""


def _training_type() -> type[Training]:
    from archplan.schema.training import Training

    return Training


def _training_block(value: object) -> Training:
    """Validate a training block on its own: a spec without one never loads the block's models."""
    from archplan.schema.training import Training

    if isinstance(value, Training):
        return value
    return Training.model_validate_json(json.dumps(value))


if TYPE_CHECKING:
    TrainingSpec = Training
else:
    TrainingSpec = Annotated[Any, PlainValidator(_training_block), UnionSchema(_training_type)]
    """The optional ``training`` block, loaded and validated only when a spec has one."""


class Network(BaseModel):
    """A whole spec file."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        frozen=True,
        populate_by_name=True,
        defer_build=True,
        allow_inf_nan=False,
    )

    json_schema_url: str | None = Field(
        default=None,
        alias="$schema",
        description="Optional: the JSON Schema editors validate with.",
    )
    name: Annotated[str, AfterValidator(check_printable)] | None = Field(
        default=None, description="Defaults to the spec file's stem."
    )
    description: str | None = None
    input: InputSpec
    layers: Annotated[list[LayerSpec], Field(min_length=1)]
    training: TrainingSpec | None = None

    @model_validator(mode="after")
    def _names_and_references(self) -> Network:
        self._check_unique_names()
        self._check_references()
        return self

    def _check_unique_names(self) -> None:
        seen: dict[str, int] = {}
        for index, layer in enumerate(self.layers):
            if layer.name is None:
                continue
            if layer.name in seen:
                first = seen[layer.name]
                raise ValueError(
                    f"layers[{index}]: name {layer.name!r} is already used by layers[{first}]; "
                    "layer names must be unique"
                )
            seen[layer.name] = index

    def _check_references(self) -> None:
        """Every name in ``inputs`` is ``"input"`` or an earlier layer's (its own or automatic)."""
        names = self.layer_names()
        positions = {name: index for index, name in enumerate(names)}
        for index, (layer, name) in enumerate(zip(self.layers, names, strict=True)):
            for reference in layer.inputs or ():
                problem = _reference_problem(reference, index, positions, names)
                if problem:
                    where = layer_label(index, name, layer.keras_class)
                    raise ValueError(f"{where}: inputs: {problem}")

    @property
    def input_shape(self) -> Shape:
        return self.input.shape

    @property
    def training_settings(self) -> Training:
        """The spec's training block, or Keras' defaults when it has none."""
        from archplan.schema.training import Training

        return self.training or Training()

    def layer_names(self) -> list[str]:
        """Each layer's name: its own, else Keras' automatic one (``conv2d``, ``conv2d_1``, ...)."""
        taken = {layer.name for layer in self.layers if layer.name is not None}
        counters: dict[str, int] = {}
        names = []
        for layer in self.layers:
            names.append(
                layer.name if layer.name is not None else _auto_name(layer, counters, taken)
            )
        return names

    def wiring(self) -> list[tuple[str, Layer, tuple[str, ...]]]:
        """Each layer's name, spec and the names of the outputs it takes, in order: without
        ``inputs``, a layer takes the one before it (the first: the input)."""
        names = self.layer_names()
        return [
            (name, layer, layer.inputs or (previous,))
            for name, layer, previous in zip(names, self.layers, [INPUT, *names[:-1]], strict=True)
        ]

    def nodes(self) -> list[Node]:
        """Every layer, in order, with its name and the names of the outputs it takes."""
        return [
            Node(index=index, name=name, layer=layer, inputs=inputs)
            for index, (name, layer, inputs) in enumerate(self.wiring())
        ]


def network_json_schema() -> dict[str, Any]:
    """The spec format's JSON Schema, for editors: every layer type in it (all are loaded)."""
    return Network.model_json_schema(by_alias=True)


def _reference_problem(
    reference: str, index: int, positions: dict[str, int], names: list[str]
) -> str | None:
    """What is wrong with layer ``index`` taking ``reference``, or None if nothing is."""
    if reference == INPUT:
        return None
    position = positions.get(reference)
    if position is None:
        return (
            f"no layer is named {reference!r}{suggest(reference, [INPUT, *names])}; "
            f"name an earlier layer, or {INPUT!r} for the network's input"
        )
    if position == index:
        return f"{reference!r} is this layer itself; name an earlier layer, or {INPUT!r}"
    if position > index:
        return (
            f"{reference!r} is defined later, at layers[{position}]; layers must come after "
            "the layers they use"
        )
    return None


def _auto_name(layer: Layer, counters: dict[str, int], taken: set[str]) -> str:
    """The next free ``stem``, ``stem_1``, ... for the layer's type, as Keras numbers them."""
    stem = layer.default_name_prefix()
    while True:
        count = counters.get(stem, 0)
        counters[stem] = count + 1
        name = stem if count == 0 else f"{stem}_{count}"
        if name not in taken:
            taken.add(name)
            return name
