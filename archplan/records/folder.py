"""Run folders: claimed once, written atomically, read back to resume.

A run folder always describes a consistent state: every file is written to a temporary file beside
it and moved into place, and after each epoch the model and history are saved together, so a crash
or Ctrl-C leaves the last completed epoch on disk, ready for ``--resume``. Plain files and JSON:
the model is written by whatever ``save`` the caller hands over, and nothing here imports Keras.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable, Sequence
from dataclasses import MISSING, Field, asdict, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from archplan.errors import RunError, SpecError
from archplan.files.reading import read_json, read_text
from archplan.files.writing import WriteError, refuse_entries, write_file, write_text
from archplan.records.history import EpochRecord, history_csv, history_json, parse_history_json
from archplan.records.settings import RunSettings
from archplan.schema import Network, parse_spec

MODEL_FILE = "model.keras"
BEST_MODEL_FILE = "best.keras"
"""Where ``checkpoint_best`` keeps the best epoch's model, beside the run's ``model.keras``."""
HISTORY_JSON = "history.json"
HISTORY_CSV = "history.csv"
METRICS_FILE = "metrics.json"
SUMMARY_FILE = "summary.txt"
PLOT_FILE = "history.png"
SPEC_FILE = "spec.json"
SETTINGS_FILE = "run.json"
RUNS_ROOT = Path("runs")
RUN_FILES = frozenset(
    {MODEL_FILE, HISTORY_JSON, HISTORY_CSV, METRICS_FILE, SUMMARY_FILE, PLOT_FILE, SPEC_FILE,
     SETTINGS_FILE}
)  # fmt: skip
"""The files archplan writes into a run folder (``best.keras`` aside, when the spec asks)."""


def default_run_dir(spec_name: str, now: datetime) -> Path:
    """``runs/<spec-name>-<YYYYmmdd-HHMMSS>``, the name reduced to file-name-safe characters."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", spec_name).strip("-.") or "run"
    return RUNS_ROOT / f"{safe}-{now:%Y%m%d-%H%M%S}"


class RunFolder:
    """One run's folder and the files archplan keeps in it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @staticmethod
    def check_free(path: Path, *, force: bool, inputs: Sequence[Path] = ()) -> None:
        """Refuse a folder that already holds files (runs are never overwritten) unless forced,
        and, forced or not, one where a file archplan writes is a folder, a device or an input.

        A run that never finished an epoch holds nothing to lose (no model), so its own folder
        stays free for the next attempt, as the advice printed after a failure says.
        """
        if path.exists() and not path.is_dir():
            raise RunError(f"{path} is a file, not a run folder; choose another --out-dir")
        try:
            refuse_entries(path, sorted(RUN_FILES | {BEST_MODEL_FILE}), inputs=inputs)
        except WriteError as error:
            raise RunError(str(error)) from None
        if not path.is_dir() or force or RunFolder(path).never_trained():
            return
        if any(path.iterdir()):
            raise RunError(
                f"{path} already holds files, and a run is never overwritten; choose another "
                "--out-dir, "
                + (f"continue it with --resume {path}, " if RunFolder(path).resumable() else "")
                + "or pass --force to replace archplan's files in it"
            )

    @classmethod
    def claim(cls, path: Path, *, force: bool, inputs: Sequence[Path] = ()) -> RunFolder:
        """The folder of a new run, created if need be."""
        cls.check_free(path, force=force, inputs=inputs)
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise RunError(f"cannot create the run folder {path}: {error.strerror}") from None
        return cls(path)

    @classmethod
    def reopen(cls, path: Path) -> RunFolder:
        """An existing run's folder, for ``--resume``."""
        folder = cls(path)
        if not path.is_dir():
            raise RunError(f"--resume {path}: no such run folder")
        if not folder.file(SETTINGS_FILE).is_file():
            raise RunError(
                f"--resume {path}: not a run folder (it has no {SETTINGS_FILE}); name the folder "
                "that archplan realize --train wrote"
            )
        for name in (SPEC_FILE, MODEL_FILE, HISTORY_JSON):
            if not folder.file(name).is_file():
                raise RunError(
                    f"--resume {path}: it has no {name}, so there is nothing to resume (a run "
                    f"saves its model after its first epoch); {folder.start_again()}"
                )
        return folder

    def resumable(self) -> bool:
        """Whether ``--resume`` takes this folder: a run's records and its model are there."""
        names = (SETTINGS_FILE, SPEC_FILE, MODEL_FILE, HISTORY_JSON)
        return self.path.is_dir() and all(self.file(name).is_file() for name in names)

    def start_again(self) -> str:
        """Advice for a run that saved no epoch: the command it was started with, into this
        folder (which such a run leaves free for it), or the form of one."""
        try:
            command = read_json(self.file(SETTINGS_FILE), kind=RECORD, error=RunError)["command"]
            words = shlex.split(command) if isinstance(command, str) else []
        except (RunError, KeyError, TypeError, ValueError):
            words = []
        if words[:2] != ["archplan", "realize"] or "--train" not in words:
            command = f"archplan realize SPEC --train --out-dir {self.path}"
            return f"start a new run in it instead: {command}"
        return f"start it again with: {shlex.join(_with_out(words, self.path))}"

    def never_trained(self) -> bool:
        """True for a folder of archplan's files from a run that saved no model: no epoch ended.

        Hidden files (the temporaries of a write cut short) do not count.
        """
        names = {entry.name for entry in self.path.iterdir() if not entry.name.startswith(".")}
        return bool(names) and names <= RUN_FILES and MODEL_FILE not in names

    def file(self, name: str) -> Path:
        return self.path / name

    def write_text(self, name: str, text: str) -> None:
        write_text(self.file(name), text)

    def write_json(self, name: str, data: Any) -> None:
        self.write_text(name, json.dumps(data, indent=2, ensure_ascii=False) + "\n")

    def write_with(self, name: str, write: Callable[[Path], None]) -> None:
        """A file that ``write`` produces from its path (``model.save``, a plot), atomically."""
        write_file(self.file(name), write)

    def save_history(self, history: Sequence[EpochRecord]) -> None:
        """history.json and history.csv, of the same epochs."""
        self.write_text(HISTORY_JSON, history_json(history))
        self.write_text(HISTORY_CSV, history_csv(history))

    def save_setup(self, network: Network, settings: RunSettings, details: dict[str, Any]) -> None:
        """The spec and the effective settings, written before training starts."""
        self.write_json(SPEC_FILE, spec_record(network))
        self.write_json(SETTINGS_FILE, {"settings": asdict(settings), **details})

    def read_settings(self) -> RunSettings:
        where = self.file(SETTINGS_FILE)
        data = _read_record(where)
        try:
            saved = data["settings"]
            return RunSettings(**{f.name: _setting(saved, f) for f in fields(RunSettings)})
        except (ValueError, KeyError, TypeError) as error:
            raise unreadable(where, repr(error)) from None

    def read_metrics(self) -> dict[str, Any]:
        """The last ``metrics.json``, or nothing if there is none yet (a run cut short early)."""
        try:
            data = _read_record(self.file(METRICS_FILE), allow_nan=True)
        except RunError:
            return {}
        return data if isinstance(data, dict) else {}

    def read_network(self) -> Network:
        where = self.file(SPEC_FILE)
        data = _read_record(where)
        try:
            return parse_spec(data, source=str(where))
        except SpecError as error:
            raise RunError(f"the run's saved spec is no longer valid: {error}") from None

    def read_history(self) -> list[EpochRecord]:
        where = self.file(HISTORY_JSON)
        text = read_text(where, kind=RECORD, error=RunError)
        try:
            return parse_history_json(text)
        except (ValueError, KeyError, TypeError) as error:
            raise unreadable(where, repr(error)) from None


RECORD = "run record"
"""A run folder's files, as messages name them."""


def _read_record(where: Path, *, allow_nan: bool = False) -> Any:
    """A run file's JSON, through the one reader (a diverged loss is NaN in the metrics)."""
    return read_json(where, kind=RECORD, error=RunError, allow_nan=allow_nan)


def _with_out(words: list[str], path: Path) -> list[str]:
    """The command with ``--out-dir path``, in place of the folder it named, if any (under either
    spelling: ``--out`` is the old name)."""
    kept: list[str] = []
    skip = False
    for word in words:
        if skip:
            skip = False
        elif word in ("--out", "--out-dir"):
            skip = True
        elif not word.startswith(("--out=", "--out-dir=")):
            kept.append(word)
    return [*kept, "--out-dir", str(path)]


def spec_record(network: Network) -> dict[str, Any]:
    """The validated spec as JSON data that :func:`parse_spec` reads back to the same network."""
    return network.model_dump(mode="json", by_alias=True, exclude={"json_schema_url"})


def _setting(data: dict[str, Any], field: Field[Any]) -> Any:
    """A saved setting; one added since the run was saved takes its default (it was off then)."""
    if field.name in data or field.default is MISSING:
        return data[field.name]
    return field.default


def unreadable(where: Path, reason: str) -> RunError:
    return RunError(f"{where} cannot be read back ({reason}); the run cannot be resumed")
