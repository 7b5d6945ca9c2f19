"""Choosing Keras' backend before Keras is imported, and naming the device it computes on.

Keras reads ``KERAS_BACKEND`` once, at import: the choice must be made here, first. Only the chosen
backend's framework is ever imported, which matters on GPU hosts that have JAX but no TensorFlow.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

from archplan.errors import ArchplanError

BACKEND_MODULES = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}
"""The backends archplan trains with, and the package each one needs."""

DEFAULT_BACKEND = "tensorflow"
INSTALL_HINT = "install archplan's train extra: pip install 'archplan[train]'"


class BackendError(ArchplanError):
    """A backend that is unknown, not installed, or not the one Keras already runs on."""


def chosen_backend(requested: str | None) -> str:
    """``--backend`` if given, else Keras' own choice: ``KERAS_BACKEND``, keras.json, tensorflow."""
    name = requested or os.environ.get("KERAS_BACKEND") or _configured_backend() or DEFAULT_BACKEND
    if name not in BACKEND_MODULES:
        raise BackendError(
            f"unknown Keras backend {name!r}; choose one of {', '.join(BACKEND_MODULES)}"
        )
    return name


def _configured_backend() -> str | None:
    """The ``backend`` of Keras' config file, which Keras itself falls back on."""
    home = Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras")
    try:
        config = json.loads((home / "keras.json").read_text())
    except (OSError, ValueError):
        return None
    backend = config.get("backend") if isinstance(config, dict) else None
    return backend if isinstance(backend, str) else None


def load_keras(requested: str | None = None) -> ModuleType:
    """Import Keras on the chosen backend, or say in one line what is missing."""
    name = chosen_backend(requested)
    if "keras" not in sys.modules and importlib.util.find_spec("keras") is None:
        raise BackendError(f"Keras is not installed; {INSTALL_HINT}")
    if importlib.util.find_spec(BACKEND_MODULES[name]) is None:
        others = " or ".join(b for b in BACKEND_MODULES if b != name)
        raise BackendError(
            f"the Keras backend {name} needs the {BACKEND_MODULES[name]!r} package, which is not "
            f"installed; install it or pass --backend {others}"
        )
    if "keras" in sys.modules:
        return _already_loaded(sys.modules["keras"], name)
    os.environ["KERAS_BACKEND"] = name
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's start-up chatter
    try:
        with start_up_chatter_dropped():
            keras = importlib.import_module("keras")
    except ImportError as error:
        raise BackendError(f"Keras cannot start on {name}: {error}; {INSTALL_HINT}") from None
    keras.config.set_image_data_format("channels_last")  # archplan's shapes are channels-last
    _tensorflow_out_of_sight(name)
    return keras


def _tensorflow_out_of_sight(backend: str) -> None:
    """On JAX or PyTorch, Keras is told TensorFlow is missing, so that it never loads it.

    Keras' lazy TensorFlow handle imports TensorFlow whenever it is installed, to seed it or to
    check an object while saving a model (seconds, and its log lines, in a run that never uses
    it): archplan feeds such runs numpy arrays, never ``tf.data``.
    """
    if backend == "tensorflow" or "tensorflow" in sys.modules:
        return
    try:
        from keras.src.utils.module_utils import tensorflow as handle
    except ImportError:  # another Keras layout: it may load TensorFlow, as it would anyway
        return
    if getattr(handle, "module", None) is None:
        handle._available = False


ABSL_LINE = re.compile(r"^(?P<level>[IWEF])\d{4} [\d:.]+\s+\d+ [^:\]]+:\d+\] ")
"""A line of absl's C++ log: ``I0000 00:00:17.24 7564 port.cc:153] oneDNN custom ops are on``."""
ABSL_PREAMBLE = "WARNING: All log messages before absl::InitializeLog() is called are written"
TF_LOG_LEVELS = "IWEF"
"""absl's levels in the order of ``TF_CPP_MIN_LOG_LEVEL`` (0: all, 2: errors and fatal only)."""


@contextmanager
def start_up_chatter_dropped() -> Iterator[None]:
    """Drop the C++ log lines TensorFlow writes while loading, below ``TF_CPP_MIN_LOG_LEVEL``.

    Recent TensorFlow builds log through absl before absl is set up, and then ignore that
    variable (``I0000 ... oneDNN custom operations are on``). The process's stderr is collected
    while Keras loads and written back without those lines; anything else passes unchanged.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as collected:
        os.dup2(collected.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            collected.seek(0)
            kept = [line for line in collected.read().splitlines(keepends=True) if _kept(line)]
            if kept:
                os.write(2, b"".join(kept))


def _kept(line: bytes) -> bool:
    text = line.decode("utf-8", "replace")
    if text.startswith(ABSL_PREAMBLE):
        return False
    matched = ABSL_LINE.match(text)
    if matched is None:
        return True
    level = os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0")
    minimum = int(level) if level.isdigit() else 0
    return TF_LOG_LEVELS.index(matched["level"]) >= minimum


def _already_loaded(keras: ModuleType, name: str) -> ModuleType:
    """Keras cannot switch backends once imported: refuse rather than silently use another."""
    running = keras.backend.backend()
    if running != name:
        raise BackendError(
            f"Keras is already running on {running} in this process and cannot switch to {name}; "
            f"start a new process with --backend {name}"
        )
    keras.config.set_image_data_format("channels_last")
    return keras


def device_name(backend: str) -> str:
    """What the backend computes on: ``cpu``, or the accelerator's own name."""
    if backend == "jax":
        jax = importlib.import_module("jax")
        device = jax.devices()[0]
        return "cpu" if device.platform == "cpu" else f"{device.platform}: {device.device_kind}"
    if backend == "torch":
        torch = importlib.import_module("torch")
        if torch.cuda.is_available():
            return f"gpu: {torch.cuda.get_device_name(0)}"
        return "cpu"
    tf = importlib.import_module("tensorflow")
    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return "cpu"
    details = tf.config.experimental.get_device_details(gpus[0])
    return f"gpu: {details.get('device_name', gpus[0].name)}"


def release_models() -> None:
    """Free the models built so far (a search builds one per trial): Keras' global state, its
    name counters and, on JAX and TensorFlow, the memory their weights held."""
    if "keras" in sys.modules:
        sys.modules["keras"].utils.clear_session(free_memory=True)
