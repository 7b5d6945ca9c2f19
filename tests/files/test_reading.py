"""archplan's one reader: every file a user hands archplan keeps the same promises.

Each reader (spec, plan file, Keras model configuration, a ``.keras`` archive's ``config.json``,
a run folder's records, a study's record) is run through every kind of bad input: each is one
line naming the file, and none is waited on or read whole.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from archplan.errors import ArchplanError
from archplan.files.reading import MAX_DEPTH, MAX_FILE_BYTES
from tests.conftest import ROOT, SPECS, chain

CONV = {"type": "Conv2D", "filters": 4, "kernel_size": 3}
SPEC = chain(CONV)
PLAN = {"input": {"shape": [32, 32, 3]}, "classes": 10}
MODEL = {"class_name": "Sequential", "config": {"name": "m", "layers": []}}


RESCALING = "or a list of them (one per channel), got"


def load_spec(path: Path) -> Any:
    from archplan.schema import load_spec

    return load_spec(path)


def load_plan(path: Path) -> Any:
    from archplan.planner.planfile import load_plan

    return load_plan(path)


def read_model(path: Path) -> Any:
    from archplan.interop.files import read_model_config

    return read_model_config(path)


def read_run_spec(path: Path) -> Any:
    from archplan.records.folder import RunFolder

    return RunFolder(path.parent).read_network()


def read_study_record(path: Path) -> Any:
    from archplan.study.search import _read_json

    return _read_json(path)


@dataclass(frozen=True)
class Reader:
    name: str
    read: Callable[[Path], Any]
    good: dict[str, Any]
    file_name: str = "file.json"
    archive: bool = False
    """The content goes into a ``.keras`` archive's ``config.json``, the file is the archive."""
    allows_nan: bool = False
    """A study's record (a diverged loss is ``NaN``), or a Keras configuration (Keras writes
    ``NaN``; the layer's checks refuse it, naming the layer: tests/cli/test_advice.py)."""
    checks_numbers: bool = False
    """The models behind the reader refuse ``NaN`` and infinity field by field, naming it."""

    def place(self, folder: Path, content: bytes) -> Path:
        """Put ``content`` where this reader reads it; the path to hand the reader."""
        path = folder / self.file_name
        if self.archive:
            with zipfile.ZipFile(path, "w") as archive:
                archive.writestr("config.json", content)
                archive.writestr("metadata.json", b'{"keras_version": "3.0.0"}')
        else:
            path.write_bytes(content)
        return path


READERS = [
    Reader("spec", load_spec, SPEC, checks_numbers=True),
    Reader("plan file", load_plan, PLAN),
    Reader("model configuration", read_model, MODEL, allows_nan=True),
    Reader(
        "keras archive", read_model, MODEL, file_name="model.keras", archive=True, allows_nan=True
    ),
    Reader("run record", read_run_spec, SPEC, file_name="spec.json"),
    Reader("study record", read_study_record, {"study": "s"}, allows_nan=True),
]


@pytest.fixture(autouse=True)
def never_waits() -> Iterator[None]:
    """A reader that blocks (on a FIFO) fails the test instead of hanging it."""

    def stuck(*_: Any) -> None:
        raise AssertionError("the reader blocked")

    previous = signal.signal(signal.SIGALRM, stuck)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def refusal(reader: Reader, path: Path) -> str:
    with pytest.raises(ArchplanError) as caught:
        reader.read(path)
    message = str(caught.value)
    assert "\n" not in message, message
    return message


def good_text(reader: Reader) -> str:
    return json.dumps(reader.good, indent=1)


def duplicated(reader: Reader) -> bytes:
    key, value = next(iter(reader.good.items()))
    return ("{" + f'"{key}": {json.dumps(value)}, ' + good_text(reader)[1:]).encode()


def with_nan(reader: Reader) -> bytes:
    return ('{"extra": NaN, ' + good_text(reader)[1:]).encode()


def deep(_: Reader) -> bytes:
    return ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)).encode()


CONTENT: dict[str, tuple[Callable[[Reader], bytes], str]] = {
    "duplicate key": (duplicated, "appears twice in one object"),
    "depth": (deep, "levels deep, deeper than any"),
    "NaN": (with_nan, ":1:11: NaN is not a number JSON allows; write a finite number"),
    "infinite number": (
        lambda r: ('{"extra": 1e999, ' + good_text(r)[1:]).encode(),
        ":1:11: 1e999 is too large for a number",
    ),
    "truncated": (lambda r: good_text(r)[:-3].encode(), "the JSON ends too early"),
    "non-UTF-8": (lambda r: b'{"name": "caf\xe9"}', "is not UTF-8 text (byte 0xe9 at offset 13)"),
    "invalid": (lambda r: b'{"a": [1,, 2]}', ":1:10: invalid JSON: Expecting value"),
    "huge integer": (lambda r: b'{"a": ' + b"9" * 5000 + b"}", "invalid JSON: Exceeds the limit"),
}


@pytest.mark.parametrize("reader", READERS, ids=[r.name for r in READERS])
def test_a_good_file_is_read(tmp_path: Path, reader: Reader) -> None:
    reader.read(reader.place(tmp_path, good_text(reader).encode()))


@pytest.mark.parametrize("case", list(CONTENT))
@pytest.mark.parametrize("reader", READERS, ids=[r.name for r in READERS])
def test_bad_json_is_one_line(tmp_path: Path, reader: Reader, case: str) -> None:
    make, expected = CONTENT[case]
    if case in ("NaN", "infinite number") and reader.allows_nan:
        pytest.skip("NaN is read: Keras writes it, and a layer's own checks refuse it by name")
    content = make(reader)
    if case in ("NaN", "infinite number") and reader.checks_numbers:
        number, shown = ("NaN", "NaN") if case == "NaN" else ("1e999", "Infinity")
        layer = json.dumps(chain({"type": "Rescaling", "scale": 0}))
        content = layer.replace('"scale": 0', f'"scale": {number}').encode()
        expected = f"layers[0] (Rescaling): scale: expected a finite number, {RESCALING} {shown}"
    path = reader.place(tmp_path, content)
    message = refusal(reader, path)
    assert message.startswith(str(path)), message
    assert expected in message, message


def fifo(folder: Path) -> Path:
    path = folder / "pipe.json"
    os.mkfifo(path)
    return path


def oversize(folder: Path) -> Path:
    path = folder / "huge.json"
    with path.open("wb") as stream:
        stream.truncate(MAX_FILE_BYTES + 1)  # sparse: nothing is written, stat says 64 MB + 1
    return path


ENTRIES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "FIFO": (fifo, "is not a regular file (a pipe, device or socket)"),
    "directory": (lambda folder: folder, "is a directory, not a"),
    "device": (
        lambda folder: Path("/dev/zero"),
        "is not a regular file (a pipe, device or socket)",
    ),
    "missing": (lambda folder: folder / "nothing.json", "no such file; check the path"),
    "oversize": (oversize, "is 64 MB, more than any"),
}


@pytest.mark.parametrize("entry", list(ENTRIES))
@pytest.mark.parametrize("reader", READERS, ids=[r.name for r in READERS])
def test_what_is_not_a_small_regular_file_is_refused_unopened(
    tmp_path: Path, reader: Reader, entry: str
) -> None:
    make, expected = ENTRIES[entry]
    folder = tmp_path / "records"
    folder.mkdir()
    path = make(folder)
    if reader.file_name == "spec.json":  # a run folder's own file
        target = folder / "spec.json"
        if entry == "directory":
            target.mkdir()
        else:
            target.symlink_to(path)
        path = target
    message = refusal(reader, path)
    assert message.startswith(str(path)), message
    assert expected in message, message


def test_an_archive_member_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("archplan.interop.files.MAX_FILE_BYTES", 2**10)
    path = READERS[3].place(tmp_path, json.dumps({**MODEL, "pad": "x" * 2**11}).encode())
    assert refusal(READERS[3], path).startswith(f"{path}/config.json: is 0 MB, more than any")


@pytest.mark.parametrize("command", ["plan", "import", "trace", "fix", "export"])
def test_a_fifo_on_the_command_line_is_refused_at_once(tmp_path: Path, command: str) -> None:
    """Before, ``archplan plan FIFO`` and ``archplan import FIFO`` waited for a writer forever."""
    path = fifo(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "archplan", command, str(path)],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200", "NO_COLOR": "1"},
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "is not a regular file (a pipe, device or socket)" in done.stderr
    assert done.stderr.count("\n") == 1, done.stderr


def test_a_key_given_twice_in_a_plan_file_is_refused(tmp_path: Path) -> None:
    """Before, ``"classes": 10, "classes": 100`` planned for 100 classes, silently."""
    path = tmp_path / "plan.json"
    path.write_text('{\n"input": {"shape": [32, 32, 3]},\n"classes": 10,\n"classes": 100\n}')
    with pytest.raises(ArchplanError) as caught:
        load_plan(path)
    assert str(caught.value) == (
        f"{path}: the key 'classes' appears twice in one object (lines 3, 4); JSON would keep "
        "only the last one, so remove or rename the other"
    )


def test_the_spec_reader_keeps_its_words() -> None:
    """The spec's messages are the ones the spec tests pin (tests/schema/test_bad_specs.py)."""
    with pytest.raises(ArchplanError, match=r"\(ready specs are in specs/\)$"):
        load_spec(SPECS / "no-such-spec.json")
