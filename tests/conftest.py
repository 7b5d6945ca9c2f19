"""Shared fixtures: the repository's paths, spec writing, and golden-file comparison."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

# Property tests are judged by what they find, not by how fast a shared machine runs them: a
# timing deadline only makes a loaded CI machine fail at random. The default profile draws the
# same examples on every run (a red build is then a change's fault, never chance's); run
# `pytest --hypothesis-profile=explore` to draw new ones, and pin what they find
# as an @example.
settings.register_profile("archplan", deadline=None, print_blob=True, derandomize=True)
settings.register_profile("explore", deadline=None, print_blob=True)
settings.load_profile("archplan")

ROOT = Path(__file__).resolve().parents[1]
SPECS = ROOT / "specs"
SHARED = ROOT.parent / "shared"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="Rewrite tests/golden/* from the current output instead of comparing with it.",
    )


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """Compare text with ``tests/golden/NAME``, or rewrite it under ``--update-golden``."""

    def compare(name: str, text: str) -> None:
        path = ROOT / "tests" / "golden" / name
        if request.config.getoption("--update-golden"):
            path.parent.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
        assert path.exists(), f"{path} is missing: run pytest --update-golden once"
        assert text == path.read_text(encoding="utf-8")

    return compare


@pytest.fixture
def write_spec(tmp_path: Path) -> Callable[..., Path]:
    """Write a spec (a dict, or raw text/bytes) to a file and return its path."""

    def write(content: dict[str, Any] | str | bytes, name: str = "spec.json") -> Path:
        path = tmp_path / name
        if isinstance(content, dict):
            path.write_text(json.dumps(content), encoding="utf-8")
        elif isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
        return path

    return write


def run_metrics(folder: Path) -> dict[str, Any]:
    """A run folder's ``metrics.json``."""
    data: dict[str, Any] = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    return data


def chain(*layers: dict[str, Any], shape: tuple[int, ...] = (32, 32, 3)) -> dict[str, Any]:
    """A spec dict for a chain of layers on an input of ``shape``."""
    return {"input": {"shape": list(shape)}, "layers": list(layers)}
