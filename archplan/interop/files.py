"""Reading a Keras model's configuration from a file, without Keras: never its weights.

archplan reads:

- a Keras 3 ``.keras`` file: a zip archive whose ``config.json`` is the model's configuration
  (``metadata.json`` beside it names the Keras version; the weights, ``model.weights.h5``, are
  never opened);
- a model configuration in JSON: what ``model.to_json()`` returns (the ``config.json`` of a
  ``.keras`` file is the same object), or ``model.get_config()`` dumped as JSON.

Everything else (HDF5 ``.h5`` models, SavedModel folders, weights files, archplan specs) is refused
with one line that says what would work.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archplan.errors import ArchplanError

CONFIG_MEMBER = "config.json"
METADATA_MEMBER = "metadata.json"
MODEL_CLASSES = frozenset({"Functional", "Model", "Sequential"})
"""The ``class_name`` of a Keras model whose layers archplan can read."""
HOW_TO_SAVE = "save the model with model.save('model.keras'), or write model.to_json() to a file"


class ModelFileError(ArchplanError):
    """A model file archplan cannot read: missing, not a model, malformed."""


@dataclass(frozen=True)
class ModelConfig:
    """A Keras model's configuration as read from a file."""

    source: str
    """The file, for messages."""
    model: Mapping[str, Any]
    """``{"class_name": "Functional" | "Sequential", "config": {...}, "compile_config": ...}``."""
    keras_version: str | None = None
    """The Keras version that saved a ``.keras`` file, when its metadata says."""

    @property
    def class_name(self) -> str:
        return str(self.model["class_name"])

    @property
    def compile_config(self) -> Mapping[str, Any] | None:
        """What ``model.compile`` was given, when the model was saved compiled."""
        compiled = self.model.get("compile_config")
        return compiled if isinstance(compiled, Mapping) and compiled else None


def read_model_config(path: Path) -> ModelConfig:
    """The model configuration in ``path`` (a ``.keras`` file or a JSON configuration)."""
    source = str(path)
    if path.is_dir():
        raise ModelFileError(
            f"{source}: is a directory (a TensorFlow SavedModel?); archplan reads .keras files "
            f"and JSON model configurations: {HOW_TO_SAVE}"
        )
    if not path.exists():
        raise ModelFileError(f"{source}: no such file; check the path")
    if zipfile.is_zipfile(path):
        return _read_keras_archive(path, source)
    if path.suffix.lower() in (".h5", ".hdf5"):
        raise ModelFileError(
            f"{source}: an HDF5 file (legacy Keras format, or weights only) is not read: "
            f"archplan never opens weights; {HOW_TO_SAVE}"
        )
    text = _text(path, source)
    return ModelConfig(source, _model_object(_parse_json(text, source), source))


def _read_keras_archive(path: Path, source: str) -> ModelConfig:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if CONFIG_MEMBER not in names:
                raise ModelFileError(
                    f"{source}: a zip archive without {CONFIG_MEMBER}, so not a Keras 3 .keras "
                    f"file; {HOW_TO_SAVE}"
                )
            config_text = _decoded(archive.read(CONFIG_MEMBER), f"{source}/{CONFIG_MEMBER}")
            metadata = archive.read(METADATA_MEMBER) if METADATA_MEMBER in names else b""
    except (zipfile.BadZipFile, OSError) as error:
        raise ModelFileError(f"{source}: cannot be read as a .keras archive ({error})") from None
    model = _model_object(_parse_json(config_text, f"{source}/{CONFIG_MEMBER}"), source)
    return ModelConfig(source, model, _keras_version(metadata))


def _keras_version(metadata: bytes) -> str | None:
    try:
        data = json.loads(metadata.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    version = data.get("keras_version") if isinstance(data, dict) else None
    return version if isinstance(version, str) else None


def _text(path: Path, source: str) -> str:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ModelFileError(f"{source}: cannot be read ({error.strerror})") from None
    return _decoded(raw, source)


def _decoded(raw: bytes, source: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ModelFileError(
            f"{source}: neither a .keras archive nor UTF-8 JSON; {HOW_TO_SAVE}"
        ) from None


def _parse_json(text: str, source: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ModelFileError(
            f"{source}:{error.lineno}:{error.colno}: invalid JSON ({error.msg}); a model "
            f"configuration is the JSON that model.to_json() returns"
        ) from None


def _model_object(data: Any, source: str) -> Mapping[str, Any]:
    """The ``{"class_name", "config"}`` object of a model, from any of the accepted spellings."""
    if not isinstance(data, Mapping):
        raise ModelFileError(
            f"{source}: a model configuration is a JSON object, got a JSON "
            f"{type(data).__name__}; {HOW_TO_SAVE}"
        )
    if "input" in data and "layers" in data and "class_name" not in data:
        raise ModelFileError(
            f"{source}: is already an archplan spec; trace it, or export it with archplan export"
        )
    if "class_name" not in data and isinstance(data.get("layers"), list):
        guessed = "Functional" if "input_layers" in data else "Sequential"
        return {"class_name": guessed, "config": data}  # model.get_config(), dumped
    kind = data.get("class_name")
    if isinstance(kind, str) and kind not in MODEL_CLASSES:
        raise ModelFileError(
            f"{source}: a {kind!r} object, not a Sequential or Functional model: archplan reads "
            "the models whose configuration lists their layers (a subclassed model's layers live "
            "in its Python code)"
        )
    if kind not in MODEL_CLASSES or not isinstance(data.get("config"), Mapping):
        raise ModelFileError(
            f"{source}: not a Keras model configuration (no 'class_name' and 'config'); "
            f"{HOW_TO_SAVE}"
        )
    return data
