"""The small mistakes: an empty name, help into a closed pipe, a shell name the completion option
ignores, one file compared with itself, a plan file's fields out of range."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archplan.cli import app
from tests.conftest import ROOT, SPECS, chain

runner = CliRunner()
PLAIN = {"COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb"}
CONVNET = SPECS / "tutorial-convnet.json"


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={**PLAIN, **(env or {})})
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("name", ["", "   "])
def test_an_empty_name_takes_the_file_s_name(tmp_path: Path, name: str) -> None:
    path = tmp_path / "my-net.json"
    path.write_text(json.dumps({"name": name, **chain({"type": "Flatten"})}))
    code, out, _ = invoke("trace", str(path), "--json")
    assert code == 0
    assert json.loads(out)["name"] == "my-net"
    code, out, _ = invoke("trace", str(path))
    assert out.lstrip().startswith("my-net: input")


@pytest.mark.parametrize("args", [["--help"], ["trace", "--help"], ["plan", "--help"], []])
def test_help_starts_with_its_usage(args: list[str]) -> None:
    code, out, _ = invoke(*args)
    assert code == (2 if not args else 0)
    assert out.splitlines()[0].strip().startswith("Usage:")


def test_help_into_a_pipe_closed_early_is_not_a_failure() -> None:
    shell = f"{sys.executable} -m archplan --help | head -1; echo status=${{PIPESTATUS[0]}}"
    done = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "80"},
                          timeout=60)  # fmt: skip
    first, status = done.stdout.splitlines()
    assert first.strip().startswith("Usage:")
    assert status in ("status=0", "status=141")  # 141: as SIGPIPE would end it, never 1
    assert done.stderr == ""


@pytest.mark.parametrize("option", ["--install-completion", "--show-completion"])
def test_a_shell_name_after_the_completion_option_is_refused(tmp_path: Path, option: str) -> None:
    """Before, ``--install-completion nosuchshell`` installed bash completion and said so."""
    code, out, err = invoke(option, "nosuchshell", env={"HOME": str(tmp_path)})
    assert (code, out) == (2, "")
    assert err == (
        f"error: {option} nosuchshell: {option} takes no shell name; it works for the shell it "
        f"runs in (bash, zsh, fish or powershell): run that shell, then {option}\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_one_file_compared_with_itself_is_said(tmp_path: Path) -> None:
    link = tmp_path / "same.json"
    link.symlink_to(CONVNET)
    code, out, err = invoke("compare", str(CONVNET), str(CONVNET), str(link))
    assert code == 0
    assert "Parameters" in out
    assert err.splitlines() == [
        f"note: {CONVNET} and {CONVNET} are one file, compared with itself",
        f"note: {CONVNET} and {link} are one file, compared with itself",
    ]


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ({"seed": -1}, "seed: input should be greater than or equal to 0, got -1"),
        ({"seed": 2**40}, f"seed: input should be less than or equal to 4294967295, got {2**40}"),
        ({"classes": 10**20}, f"classes: input should be less than or equal to 1000000, got {10**20}"),
        ({"classes": 1}, "classes: input should be greater than or equal to 2, got 1"),
        ({"top": 0}, "top: input should be greater than 0, got 0"),
        ({"samples": 1.5}, "samples: input should be a valid integer, got 1.5"),
        ({"constraints": {"min_rf": -1}}, "constraints.min_rf: -1 must be a number above 0, e.g. 0.5 or 1.0"),
        ({"families": {"plain": {"depth": [0]}}}, "families.plain.depth: 0 is not a whole number of at least 1"),
        ({"training": {"epochs": 0}}, "training.epochs: input should be greater than 0, got 0"),
    ],
)  # fmt: skip
def test_a_plan_file_s_fields_out_of_range_are_named(
    tmp_path: Path, field: dict[str, object], message: str
) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"input": {"shape": [32, 32, 3]}, "classes": 10, **field}))
    code, out, err = invoke("plan", str(path))
    assert (code, out) == (2, "")
    assert err == f"error: {path}: {message}\n"
