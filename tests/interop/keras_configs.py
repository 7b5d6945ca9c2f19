"""Keras model configurations written by hand, in the form ``model.to_json()`` gives them (Keras 3)
or tf.keras gave them: the import's tests need no Keras."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

DEFAULT_SHAPE = (8, 8, 3)


def tensor(
    name: str, shape: tuple[int | None, ...] | None = None, index: int = 0
) -> dict[str, Any]:
    """A ``__keras_tensor__``: the output ``index`` of layer ``name``, with its recorded shape."""
    return {
        "class_name": "__keras_tensor__",
        "config": {
            "shape": None if shape is None else [None, *shape],
            "dtype": "float32",
            "keras_history": [name, 0, index],
        },
    }


def layer(
    kind: str,
    name: str,
    *inputs: Any,
    module: str = "keras.layers",
    calls: int = 1,
    **config: Any,
) -> dict[str, Any]:
    """A functional model's entry: ``inputs`` are tensors (or constants, for operations); a
    list among them is a merge's list."""
    args = list(inputs)
    return {
        "module": module,
        "class_name": kind,
        "config": {"name": name, "trainable": True, "dtype": policy("float32"), **config},
        "registered_name": None,
        "name": name,
        "inbound_nodes": [{"args": args, "kwargs": {}} for _ in range(calls)] if args else [],
    }


def policy(name: str) -> dict[str, Any]:
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": name},
            "registered_name": None}  # fmt: skip


def input_layer(
    name: str = "input_layer", shape: tuple[int | None, ...] = DEFAULT_SHAPE
) -> dict[str, Any]:
    return {
        "module": "keras.layers",
        "class_name": "InputLayer",
        "config": {"batch_shape": [None, *shape], "dtype": "float32", "sparse": False,
                   "ragged": False, "name": name, "optional": False},
        "registered_name": None,
        "name": name,
        "inbound_nodes": [],
    }  # fmt: skip


def functional(
    *layers: dict[str, Any],
    inputs: tuple[str, ...] = ("input_layer",),
    outputs: tuple[str, ...] | None = None,
    name: str = "model",
    **extra: Any,
) -> dict[str, Any]:
    """A Functional model: its layers (an InputLayer first, unless given), inputs and outputs."""
    entries = list(layers)
    if not any(entry["class_name"] == "InputLayer" for entry in entries):
        entries.insert(0, input_layer())
    last = outputs or (entries[-1]["name"],)
    return {
        "module": "keras.src.models.functional",
        "class_name": "Functional",
        "config": {
            "name": name,
            "trainable": True,
            "layers": entries,
            "input_layers": [[name_, 0, 0] for name_ in inputs],
            "output_layers": [[name_, 0, 0] for name_ in last],
        },
        "registered_name": "Functional",
        **extra,
    }


def sequential(*layers: dict[str, Any], name: str = "sequential", **config: Any) -> dict[str, Any]:
    """A Sequential model; its layers are plain entries (no inbound nodes)."""
    entries = [{key: value for key, value in entry.items() if key not in ("inbound_nodes",)}
               for entry in layers]  # fmt: skip
    return {
        "module": "keras",
        "class_name": "Sequential",
        "config": {"name": name, "trainable": True, "dtype": policy("float32"), "layers": entries,
                   **config},
        "registered_name": None,
    }  # fmt: skip


def conv(name: str, *inputs: Any, filters: int = 4, **config: Any) -> dict[str, Any]:
    """A Conv2D entry as Keras writes it: every argument, defaults included."""
    arguments = {
        "filters": filters, "kernel_size": [3, 3], "strides": [1, 1], "padding": "same",
        "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1,
        "activation": "linear", "use_bias": True,
        "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform",
                               "config": {"seed": None}, "registered_name": None},
        "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {},
                             "registered_name": None},
        "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
        "kernel_constraint": None, "bias_constraint": None,
    }  # fmt: skip
    return layer("Conv2D", name, *inputs, **(arguments | config))


def write_json(folder: Path, model: dict[str, Any], name: str = "model.json") -> Path:
    path = folder / name
    path.write_text(json.dumps(model), encoding="utf-8")
    return path


def write_keras(
    folder: Path, model: dict[str, Any], name: str = "model.keras", version: str = "3.15.1"
) -> Path:
    """A ``.keras`` archive as Keras writes it: config.json, metadata.json, and weights (which
    the import must never need: these are not even HDF5)."""
    path = folder / name
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", json.dumps(model))
        archive.writestr("metadata.json", json.dumps({"keras_version": version}))
        archive.writestr("model.weights.h5", b"not read")
    return path
