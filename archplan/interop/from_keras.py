"""One Keras layer call as one spec layer: its type, its arguments, what it takes.

Each Keras argument goes one of three ways:

- a spec field (same name, ``trainable`` included): kept when it differs from Keras' default; a
  layer inside a model whose ``trainable`` is false is frozen too, as Keras freezes it;
- a setting a spec has no place for that changes neither shapes, parameters nor costs
  (initializers, constraints, other regularizers, a dtype policy, ...): left out,
  and :class:`Notes` reports it;
- a setting that would change shapes or parameters and that archplan does not model
  (``data_format="channels_first"`` on a layer archplan models channels last only, ``renorm``,
  LoRA, quantization): the layer is unsupported.

Three layer classes of Keras Applications' own (not in ``keras.layers``; from their module,
``keras.src.applications.*``) are read by class name from their configuration, as the spec
layers that compute the same with the same weights:

- ConvNeXt's ``LayerScale`` (``x·γ``, one learnt γ per channel) is a ``DepthwiseConv2D`` with
  ``kernel_size=1`` and no bias: C weights, the same product per value;
- ConvNeXt's ``StochasticDepth`` (drops whole samples of a residual branch while training) is a
  ``Dropout`` of that rate with ``noise_shape=[None, 1, 1, 1]``, which is what it computes;
- InceptionResNetV2's ``CustomScaleLayer`` (``x + scale·r``) is a ``Rescaling`` of ``r`` (named
  after the layer, ``_scaled`` appended) and an ``Add``.

Keras operations written into a functional model (``x + 3.0``, ``x * (1 / 6)`` in MobileNetV3)
become the layers that compute the same: a constant added or multiplied is a ``Rescaling``; two
tensors added, subtracted or multiplied are the merge of that name.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from archplan.interop.arguments import argument_names, given_arguments, shortest_float32
from archplan.interop.graph import KerasNode, Tensor
from archplan.layers import LAYER_CLASSES, Layer
from archplan.layers.args import ACTIVATIONS, KERAS_REGULARIZERS

KERAS_CLASSES: dict[str, type[Layer]] = {cls.keras_class: cls for cls in LAYER_CLASSES}
"""archplan's layer types by their Keras class name."""

DEFAULT_INITIALIZERS = {
    "kernel_initializer": "glorot_uniform",
    "depthwise_initializer": "glorot_uniform",
    "pointwise_initializer": "glorot_uniform",
    "bias_initializer": "zeros",
    "beta_initializer": "zeros",
    "gamma_initializer": "ones",
    "moving_mean_initializer": "zeros",
    "moving_variance_initializer": "ones",
}
"""Keras' default initializer of each weight archplan's layers have."""
SETTINGS_DEFAULTS: dict[str, Any] = {"synchronized": False}
"""Other settings with no effect on the plan, and their Keras defaults."""
SILENT = frozenset({"name", "renorm_clipping", "renorm_momentum", "lora_alpha"})
"""Keys that carry nothing to plan or to note (a name, settings of a feature that is off)."""
MODELLED_ONLY_AS_DEFAULT: dict[str, Any] = {
    "data_format": "channels_last",
    "renorm": False,
    "rms_scaling": False,
    "lora_rank": None,
    "quantization_config": None,
    "use_gate": False,
}
"""Settings that change shapes or weights and that archplan models only at Keras' default."""
DERIVED_DEFAULTS = {"strides": "pool_size"}
"""Arguments whose Keras default is another argument's value: pooling's ``strides`` (None, "as
``pool_size``"), which Keras' configuration writes out."""
OPERATIONS = {"Add": "Add", "Subtract": "Subtract", "Multiply": "Multiply"}
"""Keras operations on two tensors, and the merge layer that computes the same."""
SCALAR_OPERATIONS = frozenset({"Add", "Subtract", "Multiply", "Divide", "TrueDivide"})


@dataclass(frozen=True)
class Unsupported:
    """A call archplan cannot express yet; ``what`` groups alike calls in the report."""

    node: KerasNode
    what: str
    invalid: bool = False
    """A kind archplan models, with a value its rules refuse (``filters=-5``, a NaN scale)."""


@dataclass
class Notes:
    """Settings left out of the spec: each layer setting with the layers that had them, and the
    compile configuration's."""

    left_out: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    training: list[str] = field(default_factory=list)

    def add(self, setting: str, layer: str) -> None:
        self.left_out[setting].append(layer)

    def add_training(self, setting: str) -> None:
        self.training.append(setting)

    def lines(self) -> list[str]:
        """One line per setting, with the layers that had it (the most common first)."""
        by_count = sorted(self.left_out.items(), key=lambda item: -len(item[1]))
        return [
            f"not kept (no effect on the plan): {setting} on {_counted(names)}"
            for setting, names in by_count
        ] + [f"not kept from the compile configuration: {setting}" for setting in self.training]


def _counted(names: list[str], shown: int = 3) -> str:
    listed = ", ".join(names[:shown]) + (f", ... {names[-1]}" if len(names) > shown else "")
    return f"{len(names)} layer{'s' * (len(names) != 1)} ({listed})"


def convert(node: KerasNode, notes: Notes) -> dict[str, Any] | Unsupported:
    """The spec layer (a JSON dict without ``name`` and ``inputs``) for one Keras call."""
    if _is_operation(node):
        return _operation(node)
    if node.class_name in APPLICATION_LAYERS and _is_application_layer(node):
        return _application_layer(node)
    layer_class = KERAS_CLASSES.get(node.class_name)
    if layer_class is None or not _is_keras_layer(node):
        return Unsupported(node, _unknown_class(node))
    arguments: dict[str, Any] = {}
    fields = set(argument_names(layer_class))
    for key, value in node.config.items():
        if key in fields:
            converted = _spec_value(layer_class, key, value)
            if isinstance(converted, _Refused):
                return Unsupported(node, f"{node.class_name}({key}={converted.shown})")
            arguments[key] = converted
        else:
            refusal = _setting(node, key, value, notes)
            if refusal is not None:
                return Unsupported(node, f"{node.class_name}({refusal})")
    for argument, source in DERIVED_DEFAULTS.items():
        if source in fields and arguments.get(argument) == arguments.get(source):
            arguments[argument] = None
    if node.frozen:  # trainable=False on the layer or on a model around it, as Keras applies it
        arguments["trainable"] = False
    return _validated(node, layer_class, arguments)


APPLICATION_LAYERS = frozenset({"LayerScale", "StochasticDepth", "CustomScaleLayer"})
"""Keras Applications' own layer classes, read by class name (see the module's docstring)."""
RESCALED = "rescaled_input"
"""The key of a converted layer whose input (by index) is first rescaled: ``(index, scale)``."""


def _application_layer(node: KerasNode) -> dict[str, Any] | Unsupported:
    """LayerScale, StochasticDepth or CustomScaleLayer as the spec layers computing the same."""
    config = node.config
    kind = node.class_name
    if kind == "LayerScale" and isinstance(config.get("projection_dim"), int):
        layer_class = KERAS_CLASSES["DepthwiseConv2D"]
        return _validated(
            node, layer_class, {"kernel_size": 1, "use_bias": False}, "DepthwiseConv2D"
        )
    rate = config.get("drop_path_rate")
    if kind == "StochasticDepth" and isinstance(rate, (int, float)):
        arguments = {"rate": float(rate), "noise_shape": [None, 1, 1, 1]}  # one draw per sample
        return _validated(node, KERAS_CLASSES["Dropout"], arguments, "Dropout")
    scale = config.get("scale")
    two = len(node.inputs) == len(node.operands) == 2
    if kind == "CustomScaleLayer" and isinstance(scale, (int, float)) and two:
        return {"type": "Add", RESCALED: (1, float(scale))}
    return Unsupported(node, f"{kind} (a custom class, from {node.module})")


def _validated(
    node: KerasNode,
    layer_class: type[Layer],
    arguments: dict[str, Any],
    type_name: str | None = None,
) -> dict[str, Any] | Unsupported:
    """The layer checked by the spec's own rules; a value archplan refuses makes it unsupported."""
    problem = _wiring_problem(node, layer_class)
    if problem:
        return Unsupported(node, problem)
    kind = type_name or node.class_name
    try:
        layer = layer_class.model_validate_json(
            json.dumps({"type": kind, **arguments, **_merge_inputs(node, layer_class)})
        )
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        message = _said(first)
        if first["type"] in CHOICE_ERRORS:  # a choice Keras has and archplan does not model
            return Unsupported(node, f"{node.class_name}({where}: {message})".replace("(: ", "("))
        return Unsupported(node, f"{node.class_name}: {where}: {message}", invalid=True)
    return {"type": kind, **given_arguments(layer)}


CHOICE_ERRORS = frozenset({"literal_error", "enum", "union_tag_invalid"})
"""Pydantic errors that mean a value is one archplan does not model, not a wrong one."""


def _said(error: ErrorDetails) -> str:
    """Pydantic's words as archplan's messages put them: lower case, with the value received."""
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] in {"value_error", "assertion_error"}:
        return message
    return f"{message[0].lower()}{message[1:]}, got {json.dumps(error.get('input'))}"


def _merge_inputs(node: KerasNode, layer_class: type[Layer]) -> dict[str, Any]:
    """Placeholder ``inputs``, as many as the call's, so that a merge validates alone (the
    names are set when the spec is assembled)."""
    return {"inputs": ["input"] * len(node.inputs)} if layer_class.merges else {}


def _wiring_problem(node: KerasNode, layer_class: type[Layer]) -> str | None:
    if any(not isinstance(operand, Tensor) and operand is not None for operand in node.operands):
        return f"{node.class_name} called on a constant"
    low, high = layer_class.input_count
    if not layer_class.merges and not low <= len(node.inputs) <= high:
        return f"{node.class_name} called on {len(node.inputs)} tensors"
    if layer_class.merges and not node.inputs:
        return f"{node.class_name} called on no tensor"
    return None


class _Refused:
    """A value a spec field cannot hold, with how to show it."""

    def __init__(self, shown: str) -> None:
        self.shown = shown


def _spec_value(layer_class: type[Layer], key: str, value: Any) -> Any:
    """A Keras config value as the spec writes it (``"linear"`` is no activation)."""
    if key == "activation":
        if value == "linear" and not layer_class.model_fields[key].is_required():
            return None
        if not (value is None or (isinstance(value, str) and value in ACTIVATIONS)):
            return _Refused(_short(value))
    if key == "kernel_regularizer" and isinstance(value, Mapping):
        kind = value.get("class_name")
        if kind not in KERAS_REGULARIZERS:
            return _Refused(_short(value))
        penalties = value.get("config") or {}  # float32, as Keras keeps them
        config = {key: shortest_float32(penalty) for key, penalty in penalties.items()}
        return {"class_name": kind, "config": config}
    return value


def _short(value: Any) -> str:
    """A Keras value in a message: a name, or an object's class."""
    if isinstance(value, Mapping):
        return str(value.get("class_name") or value.get("registered_name") or "an object")
    return repr(value)


def _setting(node: KerasNode, key: str, value: Any, notes: Notes) -> str | None:
    """Handle a Keras key the spec has no field for; returns why the layer is unsupported, if
    it changes what archplan plans."""
    if key in SILENT:
        return None
    if key in MODELLED_ONLY_AS_DEFAULT:
        default = MODELLED_ONLY_AS_DEFAULT[key]
        return None if value == default else f"{key}={_short(value)}"
    if key == "dtype":
        return _dtype_setting(node, value, notes)
    if key.endswith("_initializer"):
        kind = _initializer_name(value)
        if kind != DEFAULT_INITIALIZERS.get(key):
            shown = _short(value) if isinstance(value, Mapping) else value
            notes.add(f"{key} ({shown})", node.name)
        return None
    if key.endswith(("_regularizer", "_constraint")):
        if value is not None:
            notes.add(f"{key} ({_short(value)})", node.name)
        return None
    if key in SETTINGS_DEFAULTS:
        if value != SETTINGS_DEFAULTS[key]:
            notes.add(f"{key}={value!r}", node.name)
        return None
    notes.add(f"{key} (a Keras argument archplan does not know)", node.name)
    return None


def _dtype_setting(node: KerasNode, value: Any, notes: Notes) -> str | None:
    """float32 says nothing; another float policy is noted (plan with --dtype); a quantized
    policy changes the weights, so it is unsupported."""
    policy = value
    if isinstance(value, Mapping):
        if "Quantized" in str(value.get("class_name", "")):
            return f"dtype={value.get('class_name')}"
        policy = (value.get("config") or {}).get("name", "float32")
    if policy not in (None, "float32"):
        notes.add(f"dtype policy {policy!r} (plan with --dtype)", node.name)
    return None


def _initializer_name(value: Any) -> str | None:
    """``{"class_name": "GlorotUniform"}`` or ``"glorot_uniform"`` → ``"glorot_uniform"``."""
    name = value.get("class_name") if isinstance(value, Mapping) else value
    if not isinstance(name, str):
        return None
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")
    return snake.replace("__", "_")


def _is_keras_layer(node: KerasNode) -> bool:
    """A class of Keras' own (a custom class may reuse a Keras class name)."""
    module = node.module
    return (
        module is None
        or module == "keras.layers"
        or module.startswith(
            ("keras.layers.", "keras.src.layers", "tf_keras.layers", "tf_keras.src.layers")
        )
    )


def _is_application_layer(node: KerasNode) -> bool:
    """A layer class of Keras Applications' own (a user's class of that name may differ)."""
    module = node.module or ""
    return module.startswith(("keras.src.applications.", "keras.applications."))


def _is_operation(node: KerasNode) -> bool:
    return node.module is not None and node.module.startswith(("keras.src.ops", "keras.ops"))


def _unknown_class(node: KerasNode) -> str:
    if node.module and not _is_keras_layer(node) and not node.module.startswith("keras.src.ops"):
        return f"{node.class_name} (a custom class, from {node.module})"
    return node.class_name


def _operation(node: KerasNode) -> dict[str, Any] | Unsupported:
    """A Keras operation as the layer that computes the same, where there is one."""
    kind = node.class_name
    where = node.module.rsplit(".", 1)[-1] if node.module else "ops"
    name = f"ops.{where}.{kind}"
    tensors = node.inputs
    numbers = [
        operand
        for operand in node.operands
        if isinstance(operand, (int, float)) and not isinstance(operand, bool)
    ]
    if len(tensors) + len(numbers) != len(node.operands) or len(node.operands) != 2:
        return Unsupported(node, name)
    if len(tensors) == 2 and kind in OPERATIONS:
        return {"type": OPERATIONS[kind]}
    if len(tensors) == 1 and kind in SCALAR_OPERATIONS:
        tensor_first = not isinstance(node.operands[0], (int, float))
        rescaling = _scalar_rescaling(kind, float(numbers[0]), tensor_first=tensor_first)
        if rescaling is not None:
            return {"type": "Rescaling", **rescaling}
    return Unsupported(node, f"{name} of a tensor and a constant")


def _scalar_rescaling(kind: str, number: float, *, tensor_first: bool) -> dict[str, float] | None:
    """``x + c``, ``x − c``, ``c − x``, ``x·c``, ``x / c`` as Rescaling's ``x·scale + offset``."""
    if kind == "Add":
        return {"scale": 1.0, "offset": number}
    if kind == "Subtract":
        if tensor_first:
            return {"scale": 1.0, "offset": -number}
        return {"scale": -1.0, "offset": number}
    if kind == "Multiply":
        return {"scale": number}
    if tensor_first and number != 0:  # Divide, TrueDivide: x / c
        return {"scale": 1 / number}
    return None
