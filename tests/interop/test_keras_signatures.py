"""Keras' own signatures back what the import leaves out and the export writes by position.

Both rest on two facts about every layer type: its fields' defaults are Keras' defaults (so an
argument equal to the default may be left out of a spec and of the exported code), and its
required fields are, in order, the leading parameters of the Keras class (so the exported code
may pass them by position: ``layers.Conv2D(64, 3)``).
"""

from __future__ import annotations

import inspect
from types import ModuleType
from typing import Annotated, Any

import pytest
from pydantic import TypeAdapter

from archplan.interop.arguments import argument_names, required_arguments
from archplan.layers import LAYER_CLASSES, Layer

pytestmark = pytest.mark.keras


def keras_parameters(keras: ModuleType, layer_class: type[Layer]) -> dict[str, inspect.Parameter]:
    return dict(inspect.signature(getattr(keras.layers, layer_class.keras_class)).parameters)


def base_parameters(keras: ModuleType) -> dict[str, inspect.Parameter]:
    """``keras.layers.Layer``'s own (``trainable``): every layer takes them as keywords."""
    return dict(inspect.signature(keras.layers.Layer.__init__).parameters)


@pytest.mark.parametrize("layer_class", LAYER_CLASSES, ids=lambda cls: cls.__name__)
def test_required_arguments_lead_the_keras_signature(
    keras: ModuleType, layer_class: type[Layer]
) -> None:
    required = required_arguments(layer_class)
    leading = list(keras_parameters(keras, layer_class))[: len(required)]
    assert required == leading


@pytest.mark.parametrize("layer_class", LAYER_CLASSES, ids=lambda cls: cls.__name__)
def test_every_default_is_keras_default(keras: ModuleType, layer_class: type[Layer]) -> None:
    """Keras' default, read as the spec reads a value (``strides=1`` is ``(1, 1)``), is the field's."""
    parameters = base_parameters(keras) | keras_parameters(keras, layer_class)
    fields = layer_class.model_fields
    for name in argument_names(layer_class):
        field = fields[name]
        if field.is_required():
            continue
        keras_default: Any = parameters[name].default
        assert keras_default is not inspect.Parameter.empty, f"{layer_class.__name__}.{name}"
        if name == "data_format" and keras_default is None:  # Keras reads its configuration
            keras_default = keras.config.image_data_format()
        annotation = (
            Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation
        )
        reader: TypeAdapter[Any] = TypeAdapter(annotation)
        read = reader.validate_python(keras_default)
        assert read == field.get_default(call_default_factory=True), (
            f"{layer_class.__name__}.{name}"
        )
