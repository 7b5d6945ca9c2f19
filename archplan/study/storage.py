"""Where a study lives: one of Optuna's storages, named by a URL, opened with one clear line.

- ``sqlite:///PATH``: a file, no server (the default: ``OUT/study.db``); one machine;
- ``journal:PATH``: Optuna's journal file, an append-only log guarded by a file lock: the way
  several worker processes on one machine share a study;
- ``postgresql://USER:PASSWORD@HOST/DB``, ``mysql://USER:PASSWORD@HOST/DB`` (any SQLAlchemy URL
  Optuna takes, e.g. ``postgresql+psycopg2://``, ``mysql+pymysql://``): workers on many machines.

Database storages keep a heartbeat for each running trial: a trial whose worker died (killed,
its machine lost) is failed after :data:`GRACE_SECONDS`, and its point drawn again.
"""

from __future__ import annotations

import importlib.util
import json
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna
from optuna.exceptions import ExperimentalWarning
from optuna.storages import BaseStorage, JournalStorage, RDBStorage
from optuna.storages.journal import JournalFileBackend

from archplan.errors import ArchplanError
from archplan.files.reading import checked_size, open_regular

STUDY_DB = "study.db"
JOURNAL_SCHEME = "journal:"
DATABASE_SCHEMES = ("sqlite", "postgresql", "mysql")
HEARTBEAT_SECONDS = 60
GRACE_SECONDS = 300
CONNECT_TIMEOUT_SECONDS = 10
CREATE_ATTEMPTS = 3
"""Workers that start together on a new database race to create Optuna's tables; the losers
try again (after 1 s, then 2 s), and find them made."""
SQLITE_LOCK_SECONDS = 60
"""How long a SQLite writer waits for another process's lock before giving up."""
FORMS = "sqlite:///FILE.db, journal:FILE.log, postgresql://USER@HOST/DB or mysql://USER@HOST/DB"

StaleTrialCallback = Callable[[optuna.Study, optuna.trial.FrozenTrial], None]


class StorageError(ArchplanError):
    """A storage URL that is malformed, or names a storage that cannot be opened."""


@dataclass(frozen=True)
class StorageURL:
    """A storage as the user named it, and as archplan shows it (no password)."""

    url: str
    shown: str
    journal: Path | None = None
    """The journal file, for ``journal:PATH``; None for a database."""

    @property
    def is_file(self) -> bool:
        """A journal or SQLite file, rather than a database server."""
        return self.journal is not None or self.url.startswith("sqlite")


def default_storage(out: Path) -> str:
    """``sqlite:///OUT/study.db``: the study beside its trials, resumable by rerunning."""
    return f"sqlite:///{out / STUDY_DB}"


def parse_storage(url: str) -> StorageURL:
    """Check the URL's form (nothing is opened yet); the password is hidden from what is shown."""
    text = url.strip()
    if text.startswith(JOURNAL_SCHEME):
        path = text.removeprefix(JOURNAL_SCHEME).removeprefix("//")
        if not path:
            raise StorageError(f"--storage {text}: name the journal file, e.g. journal:study.log")
        return StorageURL(text, text, Path(path).expanduser())
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(text)
    except ArgumentError:
        raise StorageError(f"--storage {text!r}: not a storage URL; use one of {FORMS}") from None
    shown = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() not in DATABASE_SCHEMES:
        raise StorageError(
            f"--storage {shown}: archplan does not know the storage "
            f"{parsed.get_backend_name()!r}; use one of {FORMS}"
        )
    if parsed.get_backend_name() == "sqlite" and not parsed.database:
        raise StorageError(f"--storage {shown}: name the database file, e.g. sqlite:///study.db")
    driver = _installed_driver(parsed.drivername)
    if driver != parsed.drivername:
        text = parsed.set(drivername=driver).render_as_string(hide_password=False)
    return StorageURL(text, shown)


DRIVERS = {"postgresql": ("psycopg", "psycopg2"), "mysql": ("MySQLdb", "pymysql")}
"""Each database's Python drivers, SQLAlchemy's default first, as SQLAlchemy names them."""
DRIVER_PACKAGES = {"postgresql": "psycopg2-binary", "mysql": "pymysql"}


def _installed_driver(drivername: str) -> str:
    """A URL that names no driver gets one that is installed: SQLAlchemy's default for the
    database may be another (psycopg 3 for PostgreSQL since SQLAlchemy 2.1)."""
    modules = DRIVERS.get(drivername)
    if modules is None:
        return drivername
    for module in modules:
        if importlib.util.find_spec(module) is not None:
            return f"{drivername}+{module.lower()}" if module != modules[0] else drivername
    return drivername


def open_storage(storage: StorageURL, on_stale: StaleTrialCallback) -> BaseStorage:
    """The storage, opened (a database is connected to and given Optuna's tables)."""
    if storage.journal is not None:
        return _journal(storage)
    from sqlalchemy.exc import IntegrityError, ProgrammingError

    try:
        for attempt in range(1, CREATE_ATTEMPTS + 1):
            try:
                return _database(storage, on_stale)
            except (IntegrityError, ProgrammingError):
                if attempt == CREATE_ATTEMPTS:
                    raise
                time.sleep(attempt)  # another worker is creating Optuna's tables: then use them
        raise AssertionError("unreachable")
    except ImportError:  # the database's driver: Optuna says only that one is missing
        database = storage.url.split(":", 1)[0].split("+", 1)[0]
        package = DRIVER_PACKAGES.get(database, "its SQLAlchemy driver")
        raise StorageError(
            f"--storage {storage.shown}: needs a {database} driver for Python; install one "
            f"(pip install {package})"
        ) from None
    except Exception as error:  # SQLAlchemy's and the drivers' errors: one line, no password
        raise StorageError(
            f"--storage {storage.shown}: cannot be opened ({_first_line(error, storage)})"
        ) from None


def _database(storage: StorageURL, on_stale: StaleTrialCallback) -> BaseStorage:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExperimentalWarning)  # the heartbeat's arguments
        return RDBStorage(
            storage.url,
            engine_kwargs=_engine_arguments(storage.url),
            heartbeat_interval=HEARTBEAT_SECONDS,
            grace_period=GRACE_SECONDS,
            heartbeat_stale_trial_callback=on_stale,
        )


def _journal(storage: StorageURL) -> BaseStorage:
    path = storage.journal
    assert path is not None
    if path.is_dir():
        raise StorageError(f"--storage {storage.shown}: {path} is a folder; name a file in it")
    if not path.parent.is_dir():
        raise StorageError(
            f"--storage {storage.shown}: the folder {path.parent} does not exist; create it first"
        )
    _check_journal(path, storage.shown)
    try:
        return JournalStorage(JournalFileBackend(str(path)))
    except OSError as error:
        raise StorageError(
            f"--storage {storage.shown}: cannot be opened ({error.strerror})"
        ) from None


JOURNAL_HEAD_BYTES = 2**20
"""How much of a journal is read to tell that it is one: its first entry fits in far less."""


def _check_journal(path: Path, shown: str) -> None:
    """Refuse, before a byte is written, a file that is not an Optuna journal: Optuna would
    append its entries to it and then fail to read it. A new or empty file is a new journal."""
    if not path.exists() and not path.is_symlink():
        return
    kind = "Optuna journal"
    checked_size(path, kind=kind, directory="name a file in it", error=StorageError)
    with open_regular(path, kind=kind, error=StorageError) as stream:
        head = stream.read(JOURNAL_HEAD_BYTES).split(b"\n", 1)[0]
    if not head.strip():
        return
    try:
        entry = json.loads(head.decode("utf-8"))
    except ValueError:
        entry = None
    if not (isinstance(entry, dict) and isinstance(entry.get("op_code"), int)):
        raise StorageError(
            f"--storage {shown}: {path} is not an Optuna journal (its first line is not a "
            "journal entry), and archplan never writes into another file; name a new file"
        )


def _engine_arguments(url: str) -> dict[str, Any]:
    """A database that does not answer is refused within seconds; SQLite waits for its lock."""
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": SQLITE_LOCK_SECONDS}}
    return {"connect_args": {"connect_timeout": CONNECT_TIMEOUT_SECONDS}}


def _first_line(error: Exception, storage: StorageURL) -> str:
    """The driver's own words, on one line, without the URL's password or SQLAlchemy's links."""
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()
    text = " ".join(reason[0].split()) if reason else type(error).__name__
    if storage.url != storage.shown:
        text = text.replace(storage.url, storage.shown)
    return text.removesuffix(".") or type(error).__name__
