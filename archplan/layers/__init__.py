"""Layer specs: one class per Keras layer type, each in the module of its family.

A family's module is loaded only when a spec names one of its types, so tracing a spec of Conv2D,
MaxPooling2D and Dense creates those families' classes and not the forty others: that is most of
``archplan trace``'s start-up. :data:`FAMILIES` says where each ``type`` lives; a test keeps it
equal to the classes themselves.

Adding a layer type: write its class in the module of its family (decorated with ``@register``),
with its costs in the :class:`Inference` it returns (``macs``, ``other_ops``, ``reach``), list its
``type`` (and aliases) under its family here (a 1-D or 3-D class under the family's ``_nd``
module, beside the rank-generic base it subclasses), and give it a row in the tests
(tests/engine/test_costs.py refuses a type without a cost rule). The JSON Schema, the loader and
the engine pick it up from there.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Annotated, Any, Union

from pydantic import Field

from archplan.layers.base import BY_TYPE, REGISTERED, Inference, Layer, LayerShapeError

FAMILIES: dict[str, tuple[str, ...]] = {
    "activations": ("Activation", "ReLU"),
    "attention": ("Embedding", "MultiHeadAttention"),
    "augmentation": (
        "RandomFlip", "RandomTranslation", "RandomRotation", "RandomZoom", "RandomCrop",
    ),
    "conv": (
        "Conv2D", "Convolution2D", "DepthwiseConv2D", "SeparableConv2D", "SeparableConvolution2D",
        "Conv2DTranspose", "Convolution2DTranspose",
    ),
    "conv_nd": (
        "Conv1D", "Convolution1D", "Conv3D", "Convolution3D", "DepthwiseConv1D",
        "SeparableConv1D", "SeparableConvolution1D", "Conv1DTranspose", "Convolution1DTranspose",
        "Conv3DTranspose", "Convolution3DTranspose",
    ),
    "core": ("Dense", "Flatten", "Identity"),
    "dropout": ("Dropout", "SpatialDropout2D"),
    "dropout_nd": ("SpatialDropout1D", "SpatialDropout3D"),
    "merging": ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate"),
    "normalization": ("BatchNormalization", "LayerNormalization", "GroupNormalization"),
    "pooling": ("MaxPooling2D", "MaxPool2D", "AveragePooling2D", "AvgPool2D"),
    "pooling_nd": (
        "MaxPooling1D", "MaxPool1D", "MaxPooling3D", "MaxPool3D",
        "AveragePooling1D", "AvgPool1D", "AveragePooling3D", "AvgPool3D",
    ),
    "global_pooling": (
        "GlobalAveragePooling2D", "GlobalAvgPool2D", "GlobalMaxPooling2D", "GlobalMaxPool2D",
    ),
    "global_pooling_nd": (
        "GlobalAveragePooling1D", "GlobalAvgPool1D", "GlobalMaxPooling1D", "GlobalMaxPool1D",
        "GlobalAveragePooling3D", "GlobalAvgPool3D", "GlobalMaxPooling3D", "GlobalMaxPool3D",
    ),
    "preprocessing": ("Rescaling", "Normalization"),
    "reshaping": (
        "ZeroPadding2D", "Cropping2D", "UpSampling2D", "Reshape", "Permute", "RepeatVector",
    ),
    "reshaping_nd": (
        "ZeroPadding1D", "ZeroPadding3D", "Cropping1D", "Cropping3D", "UpSampling1D",
        "UpSampling3D",
    ),
}  # fmt: skip
"""Each family module of this package and the ``type`` values (aliases included) it defines."""

FAMILY_OF = {tag: family for family, tags in FAMILIES.items() for tag in tags}


def type_names() -> list[str]:
    """Every accepted ``type`` value, sorted, without loading any layer class."""
    return sorted(FAMILY_OF)


def layer_class(tag: str) -> type[Layer] | None:
    """The class a ``type`` value selects (its family is loaded now), or None if none does."""
    family = FAMILY_OF.get(tag)
    if family is None:
        return None
    importlib.import_module(f"{__name__}.{family}")
    return BY_TYPE[tag]


def layer_types() -> dict[str, type[Layer]]:
    """Every accepted ``type`` value (aliases included) and the class it selects (loads all)."""
    return {tag: cls for tag in type_names() if (cls := layer_class(tag)) is not None}


def all_layer_classes() -> list[type[Layer]]:
    """Every layer spec class, family by family in :data:`FAMILIES`' order, whatever was loaded
    first (the union, hence the JSON Schema, keeps one order)."""
    modules = [importlib.import_module(f"{__name__}.{family}").__name__ for family in FAMILIES]
    return [cls for module in modules for cls in REGISTERED if cls.__module__ == module]


def any_layer() -> Any:
    """The discriminated union of every layer spec, told apart by ``type`` (for the schema)."""
    return Annotated[Union[tuple(all_layer_classes())], Field(discriminator="type")]


if TYPE_CHECKING:
    LAYER_CLASSES: list[type[Layer]]


def __getattr__(name: str) -> Any:
    """``LAYER_CLASSES``: every class, loading every family on first use."""
    if name == "LAYER_CLASSES":
        return all_layer_classes()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "FAMILIES",
    "LAYER_CLASSES",
    "Inference",
    "Layer",
    "LayerShapeError",
    "all_layer_classes",
    "any_layer",
    "layer_class",
    "layer_types",
    "type_names",
]
