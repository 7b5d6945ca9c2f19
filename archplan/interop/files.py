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
from typing import IO, Any

from archplan.errors import ArchplanError
from archplan.files.reading import (
    MAX_FILE_BYTES,
    checked_size,
    decode_text,
    open_regular,
    parse_json,
    read_json,
    too_large,
)

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


KIND = "model configuration"
SAVED_MODEL = (
    "a TensorFlow SavedModel folder is not read: archplan reads .keras files and JSON model "
    f"configurations; {HOW_TO_SAVE}"
)
"""What to do instead of naming a folder."""


def read_model_config(path: Path) -> ModelConfig:
    """The model configuration in ``path`` (a ``.keras`` file or a JSON configuration), read
    through archplan's one reader: a regular file, bounded, strict JSON. ``NaN`` is read (Keras
    writes it for a NaN argument); the layer's own checks then refuse it, naming the layer."""
    source = str(path)
    size = checked_size(path, kind=KIND, directory=SAVED_MODEL, error=ModelFileError)
    with open_regular(path, kind=KIND, error=ModelFileError) as stream:
        if zipfile.is_zipfile(stream):
            return _read_keras_archive(stream, source)
    if path.suffix.lower() in (".h5", ".hdf5"):
        raise ModelFileError(
            f"{source}: an HDF5 file (legacy Keras format, or weights only) is not read: "
            f"archplan never opens weights; {HOW_TO_SAVE}"
        )
    if size > MAX_FILE_BYTES:
        raise ModelFileError(too_large(source, size, KIND))
    data = read_json(path, kind=KIND, error=ModelFileError, allow_nan=True)
    return ModelConfig(source, _model_object(data, source))


def _read_keras_archive(stream: IO[bytes], source: str) -> ModelConfig:
    member = f"{source}/{CONFIG_MEMBER}"
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            if CONFIG_MEMBER not in names:
                raise ModelFileError(
                    f"{source}: a zip archive without {CONFIG_MEMBER}, so not a Keras 3 .keras "
                    f"file; {HOW_TO_SAVE}"
                )
            config = _member(archive, CONFIG_MEMBER, member)
            has_metadata = METADATA_MEMBER in names
            metadata = _member(archive, METADATA_MEMBER, member) if has_metadata else b""
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as error:
        raise ModelFileError(f"{source}: cannot be read as a .keras archive ({error})") from None
    text = decode_text(config, member, kind=KIND, error=ModelFileError)
    data = parse_json(text, member, kind=KIND, error=ModelFileError, allow_nan=True)
    return ModelConfig(source, _model_object(data, source), _keras_version(metadata))


def _member(archive: zipfile.ZipFile, name: str, source: str) -> bytes:
    """A member's bytes, bounded as a file is (a zip may claim any size, or hold a bomb)."""
    if archive.getinfo(name).file_size > MAX_FILE_BYTES:
        raise ModelFileError(
            too_large(source, archive.getinfo(name).file_size, KIND, MAX_FILE_BYTES)
        )
    with archive.open(name) as member:
        raw = member.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise ModelFileError(too_large(source, len(raw), KIND, MAX_FILE_BYTES))
    return raw


def _keras_version(metadata: bytes) -> str | None:
    """The version in ``metadata.json``, if it says one: only informative, so never refused."""
    try:
        data = json.loads(metadata.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    version = data.get("keras_version") if isinstance(data, dict) else None
    return version if isinstance(version, str) else None


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
