"""archplan's one writer: a regular file or a new path, never an input, whole or not at all.

Every command that writes a file is run against every kind of target it must refuse, ``--force``
given: the refusal is one line naming the entry, and the target and the inputs are unchanged,
byte for byte (a device stays that device, a link that link).
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archplan.cli import app
from archplan.files.writing import WriteError, write_file, write_text
from tests.conftest import ROOT, SPECS

runner = CliRunner()
PLAIN = {"COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb"}
ROOT_USER = hasattr(os, "geteuid") and os.geteuid() == 0
IMPOSSIBLE = {
    "input": {"shape": [4, 4, 3]},
    "layers": [
        {"type": "Conv2D", "filters": 2, "kernel_size": 5},
        {"type": "Flatten"},
        {"type": "Dense", "units": 2},
    ],
}
MODEL = {"class_name": "Sequential", "config": {"name": "m", "layers": [
    {"class_name": "InputLayer", "config": {"batch_shape": [None, 8], "name": "x"}},
    {"class_name": "Dense", "config": {"name": "d", "units": 2}},
]}}  # fmt: skip
PLAN = {"input": {"shape": [32, 32, 3]}, "classes": 10}
SMALL_PLAN = {**PLAN, "families": {"plain": {"stages": [1], "depth": [1], "width": [8]}}}


@dataclass(frozen=True)
class Command:
    """A command that writes, the input it reads, and where its target entry goes."""

    name: str
    input_name: str
    input_text: str
    args: Callable[[Path, Path], list[str]]
    """The arguments, given the input and the output (a file, or the folder of ``entry``)."""
    entry: str | None = None
    """The entry inside an --out-dir folder that is the target; None: the target is -o itself."""


COMMANDS = [
    Command("fix", "bad.json", json.dumps(IMPOSSIBLE), lambda i, o: ["fix", str(i), "-o", str(o), "--force"]),
    Command("export", "spec.json", (SPECS / "tutorial-convnet.json").read_text(),
            lambda i, o: ["export", str(i), "-o", str(o), "--force"]),
    Command("export keras-json", "spec.json", (SPECS / "tutorial-convnet.json").read_text(),
            lambda i, o: ["export", str(i), "--format", "keras-json", "-o", str(o), "--force"]),
    Command("import", "model.json", json.dumps(MODEL), lambda i, o: ["import", str(i), "-o", str(o), "--force"]),
    Command("plot", "spec.json", (SPECS / "tutorial-convnet.json").read_text(), lambda i, o: ["plot", str(i), "-o", str(o)]),
    Command("plan --out", "plan.json", json.dumps(PLAN),
            lambda i, o: ["plan", str(i), "--out-dir", str(o), "--force"], entry="plan.json"),
    Command("plan --out pareto", "plan.json", json.dumps(PLAN),
            lambda i, o: ["plan", str(i), "--out-dir", str(o), "--force"], entry="pareto.png"),
    Command("plan --train --out", "plan.json", json.dumps(SMALL_PLAN),
            lambda i, o: ["plan", str(i), "--train", "--trials", "1", "--out-dir", str(o), "--force"], entry="study.json"),
    Command("realize --train --out", "spec.json", (SPECS / "tutorial-convnet.json").read_text(),
            lambda i, o: ["realize", str(i), "--train", "--out-dir", str(o), "--force"], entry="spec.json"),
    Command("realize --train --out model", "spec.json", (SPECS / "tutorial-convnet.json").read_text(),
            lambda i, o: ["realize", str(i), "--train", "--out-dir", str(o), "--force"], entry="model.keras"),
    Command("realize --train --out summary", "spec.json", (SPECS / "tutorial-convnet.json").read_text(),
            lambda i, o: ["realize", str(i), "--train", "--out-dir", str(o), "--force"], entry="summary.txt"),
]  # fmt: skip


def device(place: Path, given: Path) -> str:
    if not ROOT_USER:
        pytest.skip("making a device node needs root (os.mknod)")
    os.mknod(place, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # what /dev/null is
    return "is a device"


def fifo(place: Path, given: Path) -> str:
    os.mkfifo(place)
    return "is a FIFO (named pipe)"


def directory(place: Path, given: Path) -> str:
    place.mkdir()
    (place / "kept.txt").write_text("kept")
    return "is a directory"


def symlink(place: Path, given: Path) -> str:
    place.symlink_to(given)
    return "is an input of this command (the same file as"


def hard_link(place: Path, given: Path) -> str:
    os.link(given, place)
    return "is an input of this command (the same file as"


def full_disk(place: Path, given: Path) -> str:
    place.symlink_to("/dev/full")
    return "is a device"


TARGETS = {
    "device": device,
    "FIFO": fifo,
    "directory": directory,
    "symlink to the input": symlink,
    "hard link to the input": hard_link,
    "/dev/full": full_disk,
}


def snapshot(path: Path) -> object:
    """What a target is, to the byte: its kind, and its content, link or listing."""
    status = path.lstat()
    if stat.S_ISLNK(status.st_mode):
        return ("link", os.readlink(path), snapshot(path.resolve()) if path.exists() else None)
    if stat.S_ISDIR(status.st_mode):
        return ("dir", sorted((p.name, p.read_bytes()) for p in path.iterdir()))
    if stat.S_ISREG(status.st_mode):
        return ("file", path.read_bytes(), status.st_ino)
    return ("special", stat.S_IFMT(status.st_mode), status.st_rdev)


def run(args: list[str]) -> tuple[int, str]:
    result = runner.invoke(app, args, env=PLAIN)
    return result.exit_code, result.stderr


@pytest.mark.parametrize("kind", list(TARGETS))
@pytest.mark.parametrize("command", COMMANDS, ids=[c.name for c in COMMANDS])
def test_a_target_that_is_not_a_regular_file_or_is_an_input_is_refused(
    tmp_path: Path, command: Command, kind: str
) -> None:
    given = tmp_path / command.input_name
    given.write_text(command.input_text)
    before = given.read_bytes()
    if command.entry is None:
        output = target = tmp_path / ("out.svg" if command.name == "plot" else "out.json")
    else:
        output = tmp_path / "out"
        output.mkdir()
        target = output / command.entry
    expected = TARGETS[kind](target, given)
    was = snapshot(target)
    code, err = run(command.args(given, output))
    assert code == 2, err
    assert err.startswith(f"error: {target}: {expected}"), err
    assert err.count("\n") == 1, err
    assert snapshot(target) == was
    assert given.read_bytes() == before
    if command.entry is not None:
        assert sorted(p.name for p in output.iterdir()) == [command.entry]  # nothing claimed


@pytest.mark.skipif(ROOT_USER, reason="root writes into a read-only folder anyway")
@pytest.mark.parametrize("command", COMMANDS[:5], ids=[c.name for c in COMMANDS[:5]])
def test_a_read_only_folder_is_one_line(tmp_path: Path, command: Command) -> None:
    given = tmp_path / command.input_name
    given.write_text(command.input_text)
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        code, err = run(command.args(given, folder / "out.svg"))
    finally:
        folder.chmod(0o755)
    assert code == 2, err
    assert "Permission denied" in err, err
    assert err.count("\n") == 1, err
    assert list(folder.iterdir()) == []


def test_a_full_disk_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "spec.json"
    target.write_text("old")

    def fills_the_disk(path: Path) -> None:
        path.write_text("half")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with pytest.raises(WriteError) as caught:
        write_file(target, fills_the_disk)
    assert (
        str(caught.value)
        == f"{target}: cannot be written (No space left on device); it is as it was"
    )
    assert [p.name for p in tmp_path.iterdir()] == ["spec.json"]
    assert target.read_text() == "old"


def test_a_write_never_replaces_an_input_or_a_device(tmp_path: Path) -> None:
    given = tmp_path / "spec.json"
    given.write_text("mine")
    (tmp_path / "link.json").symlink_to(given)
    with pytest.raises(WriteError, match="is an input of this command"):
        write_text(tmp_path / "link.json", "theirs", inputs=(given,))
    with pytest.raises(WriteError, match="is a device"):
        write_text(Path("/dev/null"), "theirs")
    assert given.read_text() == "mine"
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def command_line(*args: str) -> list[str]:
    return [sys.executable, "-m", "archplan", *args]


ENV = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "120", "NO_COLOR": "1"}


@pytest.mark.parametrize("how", ["full disk", "closed stdout"])
@pytest.mark.parametrize(
    "args", [["trace", "specs/tutorial-convnet.json"], ["export", "specs/tutorial-convnet.json"]]
)
def test_output_that_cannot_be_written_is_one_line_and_a_failure(how: str, args: list[str]) -> None:
    """Before, ``> /dev/full`` was "a bug in archplan" and ``>&-`` exit 0 with nothing printed."""
    if how == "full disk":
        with open("/dev/full", "w") as full:
            done = subprocess.run(command_line(*args), stdout=full, stderr=subprocess.PIPE,
                                  text=True, cwd=ROOT, env=ENV, timeout=60)  # fmt: skip
    else:
        shell = " ".join(command_line(*args)) + " >&-"
        done = subprocess.run(shell, shell=True, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                              env=ENV, timeout=60)  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("error: "), done.stderr
    assert "stdout" in done.stderr, done.stderr
    assert "bug" not in done.stderr


def test_a_file_that_is_not_a_journal_is_refused_before_a_byte_is_written(tmp_path: Path) -> None:
    from archplan.study.storage import StorageError, open_storage, parse_storage

    notes = tmp_path / "notes.log"
    notes.write_text("my notes\n")
    with pytest.raises(StorageError) as caught:
        open_storage(parse_storage(f"journal:{notes}"), lambda study, trial: None)
    assert str(caught.value) == (
        f"--storage journal:{notes}: {notes} is not an Optuna journal (its first line is not a "
        "journal entry), and archplan never writes into another file; name a new file"
    )
    assert notes.read_text() == "my notes\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.log"]


@pytest.mark.parametrize("kind", ["FIFO", "directory"])
def test_a_journal_that_is_not_a_regular_file_is_refused(tmp_path: Path, kind: str) -> None:
    from archplan.study.storage import StorageError, open_storage, parse_storage

    journal = tmp_path / "study.log"
    TARGETS[kind](journal, journal)
    with pytest.raises(StorageError, match=r"is not a regular file|is a folder"):
        open_storage(parse_storage(f"journal:{journal}"), lambda study, trial: None)


def test_a_journal_of_optuna_is_reopened(tmp_path: Path) -> None:
    from archplan.study.storage import open_storage, parse_storage

    journal = tmp_path / "study.log"
    storage = parse_storage(f"journal:{journal}")
    import optuna

    optuna.create_study(storage=open_storage(storage, lambda study, trial: None), study_name="s")
    again = open_storage(storage, lambda study, trial: None)
    assert [s.study_name for s in optuna.get_all_study_summaries(again)] == ["s"]
    shutil.rmtree(tmp_path)
