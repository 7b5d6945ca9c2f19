"""The README's "Plan a network" section shows real commands and their real output."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archplan.cli import app
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
TIMING = re.compile(r"in [\d.]+ s \([\d,]+ a second\)")


def shown(command_start: str) -> tuple[list[str], str]:
    """The command of the ```sh block that starts with ``command_start``, and the block after."""
    pattern = re.compile(
        r"```sh\n\.venv/bin/archplan ("
        + re.escape(command_start)
        + r"[^\n]*(?:\\\n[^\n]*)*)\n```\n\n```\n(.*?)\n```",
        re.DOTALL,
    )
    match = pattern.search(README)
    assert match, f"no README example starting with archplan {command_start}"
    command = match[1].replace("\\\n", " ").split("#")[0]
    return shlex.split(command), match[2]


def run(args: list[str]) -> str:
    result = CliRunner().invoke(app, args, env={"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"})
    assert result.exit_code == 0, result.output
    return "\n".join(line.rstrip() for line in result.stdout.splitlines())


def words(text: str) -> str:
    return TIMING.sub("in X s (Y a second)", " ".join(text.split()))


def test_the_plan_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # it writes plans/cifar-small
    args, output = shown("plan --input 32x32x3")
    assert words(run(args)) == words(output)


def test_the_fix_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    args, output = shown("fix examples/")
    (tmp_path / "examples").mkdir()
    spec = args[1]
    (tmp_path / spec).write_text((ROOT / spec).read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    actual = run(args).splitlines()
    for line in output.splitlines():
        if line.strip() != "...":
            assert line in actual


def test_the_solve_example() -> None:
    args, output = shown("solve --input")
    assert run(args) == output
