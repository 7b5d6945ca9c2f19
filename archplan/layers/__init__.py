"""Layer specs: one class per Keras layer type, gathered into one discriminated union.

Adding a layer type: write its class in the module of its family (decorated with ``@register``),
with its costs in the :class:`Inference` it returns (``macs``, ``other_ops``, ``reach``), and give
it a row in the tests (tests/engine/test_costs.py refuses a type without a cost rule). The union,
the JSON Schema and the engine pick it up from there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Union

from pydantic import Field

from archplan.layers import (  # noqa: F401 (registers the layer types)
    activations,
    augmentation,
    conv,
    core,
    merging,
    normalization,
    pooling,
    preprocessing,
    reshaping,
)
from archplan.layers.args import type_tags
from archplan.layers.base import LAYER_CLASSES, Inference, Layer, LayerShapeError

if TYPE_CHECKING:
    AnyLayer = Layer
else:
    AnyLayer = Annotated[Union[tuple(LAYER_CLASSES)], Field(discriminator="type")]
    """Any registered layer spec, told apart by its ``type``."""


def layer_types() -> dict[str, type[Layer]]:
    """Every accepted ``type`` value (aliases included) and the class it selects."""
    return {alias: cls for cls in LAYER_CLASSES for alias in type_tags(cls)}


__all__ = ["LAYER_CLASSES", "AnyLayer", "Inference", "Layer", "LayerShapeError", "layer_types"]
