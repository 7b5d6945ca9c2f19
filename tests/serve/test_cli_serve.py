"""The ``archplan serve`` command: what it serves, its one-line refusals, and a real start."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archplan.cli import app
from archplan.cli.serve import served
from tests.conftest import ROOT, SPECS

runner = CliRunner()
PLAIN = {"COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb"}


def test_serve_is_listed_and_has_its_options() -> None:
    assert "serve" in runner.invoke(app, ["--help"], env=PLAIN).output
    help_text = runner.invoke(app, ["serve", "--help"], env=PLAIN).output
    assert "--port" in help_text
    assert "--open" in help_text


def test_a_folder_is_served_as_it_is_and_a_spec_from_its_folder() -> None:
    assert served(SPECS) == (SPECS, None)
    assert served(SPECS / "tutorial-convnet.json") == (SPECS, "tutorial-convnet.json")


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("missing.json", "missing.json: no such spec or folder"),
        ("README.md", "README.md: archplan serve opens .json specs"),
    ],
)
def test_a_bad_target_is_one_line_and_exit_2(target: str, expected: str) -> None:
    result = runner.invoke(app, ["serve", str(ROOT / target)], env=PLAIN)
    assert result.exit_code == 2
    assert expected in result.output
    assert "Traceback" not in result.output


def test_a_busy_port_is_one_line(unused_port: int) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", unused_port))
        taken.listen(1)
        result = runner.invoke(app, ["serve", str(SPECS), "--port", str(unused_port)], env=PLAIN)
    assert result.exit_code == 2
    assert f"--port {unused_port}: cannot listen on 127.0.0.1:{unused_port}" in result.output


@pytest.fixture
def unused_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_the_command_serves_on_loopback_until_stopped() -> None:
    pytest.importorskip("httpx2", reason="the check reads the page over HTTP")
    import httpx2

    spec = SPECS / "tutorial-convnet.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "archplan", "serve", str(spec), "--port", "0"],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        url = first.split(" at ", 1)[1].split("/ ", 1)[0]
        assert url.startswith("http://127.0.0.1:")
        assert not url.endswith(":0")
        files = httpx2.get(f"{url}/api/files", timeout=10).json()
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
    assert files["initial"] == "tutorial-convnet.json"
    assert Path(files["folder"]) == SPECS


def test_without_the_serve_extra_the_command_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    result = runner.invoke(app, ["serve", str(SPECS)], env=PLAIN)
    assert result.exit_code == 2
    assert "archplan serve needs uvicorn: pip install 'archplan[serve]'" in result.output
