"""The network spec: an input shape, an ordered list of layer specs, optional training settings."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from archplan.layers import AnyLayer, Layer
from archplan.layers.args import PositiveInt, Shape
from archplan.spec.training import Training


class InputSpec(BaseModel):
    """The shape of one sample: height, width, channels (channels last), no batch axis."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)

    shape: Annotated[tuple[PositiveInt, ...], Field(min_length=1)]


class Network(BaseModel):
    """A whole spec file."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)

    json_schema_url: str | None = Field(
        default=None,
        alias="$schema",
        description="Optional: the JSON Schema editors validate with.",
    )
    name: str | None = Field(default=None, description="Defaults to the spec file's stem.")
    description: str | None = None
    input: InputSpec
    layers: Annotated[list[AnyLayer], Field(min_length=1)]
    training: Training | None = None

    @model_validator(mode="after")
    def _unique_layer_names(self) -> Network:
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
        return self

    @property
    def input_shape(self) -> Shape:
        return self.input.shape

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
