"""The recorded runs under results/ are complete, and the README quotes them as they are."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archplan import load_spec, trace_network
from tests.conftest import ROOT, run_metrics

RUNS = sorted(path.parent for path in (ROOT / "results").glob("**/metrics.json"))
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_there_are_recorded_runs() -> None:
    assert len(RUNS) >= 2


@pytest.mark.parametrize("folder", RUNS, ids=lambda folder: folder.name)
def test_a_recorded_run_is_complete(folder: Path) -> None:
    for name in ("history.json", "history.csv", "history.png", "spec.json", "run.json", "log.txt"):
        assert (folder / name).is_file(), name
    record = run_metrics(folder)
    assert record["completed"] is True
    assert record["command"].startswith("archplan realize ")
    history = json.loads((folder / "history.json").read_text(encoding="utf-8"))
    assert len(history["epochs"] if isinstance(history, dict) else history) == record["epochs"]


@pytest.mark.parametrize("folder", RUNS, ids=lambda folder: folder.name)
def test_the_readme_quotes_each_run_as_recorded(folder: Path) -> None:
    record = run_metrics(folder)
    assert f"{100 * record['test_accuracy']:.2f}%" in README
    assert f"{record['train_seconds']:,.0f} s" in README
    assert f"`results/{folder.relative_to(ROOT / 'results').as_posix()}/`" in README
    params = trace_network(load_spec(folder / "spec.json")).total_params
    assert f"{params:,}" in README
