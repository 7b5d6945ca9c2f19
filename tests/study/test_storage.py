"""Storage URLs: the forms archplan takes, and one line for each it cannot use."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("optuna")

from archplan.study.storage import (
    StorageError,
    default_storage,
    open_storage,
    parse_storage,
)


def ignore(*_: object) -> None:
    """A stale-trial callback for storages opened only to be looked at."""


@pytest.mark.parametrize(
    ("url", "shown", "journal"),
    [
        ("sqlite:///runs/study.db", "sqlite:///runs/study.db", None),
        ("journal:runs/study.log", "journal:runs/study.log", Path("runs/study.log")),
        (
            "postgresql://ann:secret@db.example/optuna",
            "postgresql://ann:***@db.example/optuna",
            None,
        ),
        (
            "mysql+pymysql://ann:secret@db.example/optuna",
            "mysql+pymysql://ann:***@db.example/optuna",
            None,
        ),
    ],
)
def test_a_url_is_shown_without_its_password(url: str, shown: str, journal: Path | None) -> None:
    parsed = parse_storage(url)
    assert (parsed.shown, parsed.journal) == (shown, journal)
    assert parsed.url.split(":", 1)[1] == url.split(":", 1)[1]  # the password kept, to connect


@pytest.mark.parametrize(
    ("installed", "url"),
    [
        ({"psycopg", "psycopg2"}, "postgresql://ann@db/optuna"),  # SQLAlchemy's own default
        ({"psycopg2"}, "postgresql+psycopg2://ann@db/optuna"),
        ({"pymysql"}, "mysql+pymysql://ann@db/optuna"),
        (set(), "postgresql://ann@db/optuna"),  # none: opening it says which to install
    ],
)
def test_a_url_without_a_driver_gets_one_that_is_installed(
    monkeypatch: pytest.MonkeyPatch, installed: set[str], url: str
) -> None:
    import importlib.util

    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name: object() if name in installed else None
    )
    given = url.split("+")[0] + url[url.index(":") :] if "+" in url else url
    assert parse_storage(given).url == url


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "nonsense",
            "--storage 'nonsense': not a storage URL; use one of sqlite:///FILE.db, journal:FILE.log, postgresql://USER@HOST/DB or mysql://USER@HOST/DB",
        ),
        (
            "redis://localhost/0",
            "--storage redis://localhost/0: archplan does not know the storage 'redis'; use one of",
        ),
        ("sqlite://", "--storage sqlite://: name the database file, e.g. sqlite:///study.db"),
        ("journal:", "--storage journal:: name the journal file, e.g. journal:study.log"),
    ],
)
def test_a_malformed_url_is_refused_in_one_line(url: str, message: str) -> None:
    with pytest.raises(StorageError) as refused:
        parse_storage(url)
    assert str(refused.value).startswith(message)
    assert "\n" not in str(refused.value)


def test_a_storage_that_cannot_be_opened_says_why(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "study.db"
    with pytest.raises(
        StorageError,
        match=r"^--storage sqlite:///.*study\.db: cannot be opened \(unable to open database file\)$",
    ):
        open_storage(parse_storage(f"sqlite:///{missing}"), ignore)
    with pytest.raises(
        StorageError, match=r"the folder .*no-such-folder does not exist; create it first$"
    ):
        open_storage(parse_storage(f"journal:{missing}"), ignore)


def test_a_database_that_does_not_answer_is_refused_without_its_password() -> None:
    pytest.importorskip("psycopg2")
    url = "postgresql://ann:secret@127.0.0.1:9/optuna"  # the discard port: nothing listens
    with pytest.raises(StorageError) as refused:
        open_storage(parse_storage(url), ignore)
    message = str(refused.value)
    assert message.startswith(
        "--storage postgresql://ann:***@127.0.0.1:9/optuna: cannot be opened ("
    )
    assert "secret" not in message
    assert "\n" not in message


def test_the_default_storage_is_a_sqlite_file_beside_the_trials(tmp_path: Path) -> None:
    assert default_storage(tmp_path) == f"sqlite:///{tmp_path / 'study.db'}"
    storage = open_storage(parse_storage(default_storage(tmp_path)), ignore)
    assert storage is not None
    assert (tmp_path / "study.db").is_file()


def test_a_database_without_its_driver_says_what_to_install() -> None:
    import importlib.util

    if importlib.util.find_spec("MySQLdb") or importlib.util.find_spec("pymysql"):
        pytest.skip("a MySQL driver is installed here")
    with pytest.raises(StorageError) as refused:
        open_storage(parse_storage("mysql://ann:secret@127.0.0.1:9/optuna"), ignore)
    assert str(refused.value) == (
        "--storage mysql://ann:***@127.0.0.1:9/optuna: needs a mysql driver for Python; install "
        "one (pip install pymysql)"
    )
