"""Every example in docs/ (and the README) runs, and prints what the page shows.

The convention, which every page follows:

- a ```console block holds lines ``$ archplan ARGS...``, each followed by lines of its output. The
  block's commands run in order as the installed ``archplan`` at 100 columns, in a temporary folder
  holding copies of ``specs/`` and ``examples/`` (a command may read what one before it in the block
  wrote); each must exit 0 (or N, when the line ends with ``  # exit N``), and
  every output line shown must appear, stripped, in what it printed (stdout and stderr). A line
  ``...`` stands for lines left out. A command may go on over lines ending in ``\\``.
- the ```python blocks of a page run in order, in one namespace, in the same kind of folder.
- ```sh blocks are shown, not run: for commands that train, or need Keras, and so are too slow for
  the suite (the page says so).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT

PAGES = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.DOTALL | re.MULTILINE)
EXIT = re.compile(r"\s+#\s*exit\s+(\d+)\s*$")
OMITTED = "..."
ENV = {"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb", "PYTHONPATH": str(ROOT)}


@dataclass(frozen=True)
class Command:
    """One ``$ archplan ...`` line of a console block, what it must exit with, what it shows."""

    page: str
    args: tuple[str, ...]
    code: int
    shown: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.page}: archplan {shlex.join(self.args)}"


def blocks(page: Path, language: str) -> list[str]:
    return [
        body for lang, body in FENCE.findall(page.read_text(encoding="utf-8")) if lang == language
    ]


def commands(page: Path) -> list[list[Command]]:
    """The commands of each of a page's console blocks, with their exit codes and shown lines."""
    every: list[list[Command]] = []
    for body in blocks(page, "console"):
        found: list[Command] = []
        every.append(found)
        lines = body.splitlines()
        index = 0
        while index < len(lines):
            line = lines[index]
            assert line.startswith("$ archplan "), (
                f"{page.name}: a console block starts with '$ archplan': {line!r}"
            )
            while line.endswith("\\"):
                index += 1
                line = line[:-1] + " " + lines[index].strip()
            match = EXIT.search(line)
            code = int(match[1]) if match else 0
            text = line[: match.start()] if match else line
            index += 1
            start = index
            while index < len(lines) and not lines[index].startswith("$ "):
                index += 1
            shown = tuple(s.strip() for s in lines[start:index] if s.strip() not in ("", OMITTED))
            found.append(Command(page.name, tuple(shlex.split(text)[2:]), code, shown))
    return every


def archplan_command() -> list[str]:
    """The installed console script of this interpreter's environment (``python -m`` without)."""
    script = Path(sys.executable).parent / "archplan"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "archplan"]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder holding copies of specs/ and examples/, as a reader's checkout would."""
    for folder in ("specs", "examples"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    monkeypatch.chdir(tmp_path)
    return tmp_path


CONSOLE_BLOCKS = [block for page in PAGES for block in commands(page)]
PYTHON_PAGES = [page for page in PAGES if blocks(page, "python")]


def test_the_docs_have_examples() -> None:
    assert sum(len(block) for block in CONSOLE_BLOCKS) >= 10
    assert (ROOT / "docs" / "library.md") in PYTHON_PAGES


@pytest.mark.parametrize("block", CONSOLE_BLOCKS, ids=lambda block: str(block[0]))
def test_a_console_example_prints_what_its_page_shows(block: list[Command], workdir: Path) -> None:
    for command in block:
        result = subprocess.run(
            [*archplan_command(), *command.args],
            capture_output=True,
            text=True,
            cwd=workdir,
            env={**os.environ, **ENV},
            timeout=300,
            check=False,
        )
        output = "\n".join(line.rstrip() for line in (result.stdout + result.stderr).splitlines())
        assert result.returncode == command.code, f"{command}\n{output}"
        missing = [line for line in command.shown if line not in output]
        assert missing == [], f"{command}\nmissing: {missing}\nprinted:\n{output}"


@pytest.mark.parametrize("page", PYTHON_PAGES, ids=lambda page: page.name)
def test_a_pages_python_runs(page: Path, workdir: Path) -> None:
    namespace: dict[str, object] = {"__name__": f"docs.{page.stem}"}
    for number, source in enumerate(blocks(page, "python")):
        exec(compile(source, f"{page.name}[python block {number}]", "exec"), namespace)


def test_the_convention_reads_exit_codes_continuations_and_omissions(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "```console\n$ archplan trace a.json  # exit 2\nerror: a\n...\n"
        "$ archplan plan --input-shape 32x32x3 \\\n    --classes 10\n  Plan\n```\n",
        encoding="utf-8",
    )
    assert commands(page) == [
        [
            Command("page.md", ("trace", "a.json"), 2, ("error: a",)),
            Command(
                "page.md", ("plan", "--input-shape", "32x32x3", "--classes", "10"), 0, ("Plan",)
            ),
        ]
    ]


def test_the_readme_is_the_front_door() -> None:
    """At most ~200 lines: what archplan is and for whom first, then the set-up, then links."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 200
    assert lines[2].startswith("archplan is a calculator for people who design")
    head = "\n".join(lines[:15])
    assert "make run" in head
    assert "make test" in head


LINK = re.compile(r"\]\(([^)#\s]+\.md)(#[^)]*)?\)")


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_link_between_pages_leads_to_a_page(page: Path) -> None:
    targets = {match[1] for match in LINK.finditer(page.read_text(encoding="utf-8"))}
    assert [t for t in sorted(targets) if not (page.parent / t).is_file()] == []
