"""The recorded runs and searches under results/ are complete, and docs/results.md quotes them as they are."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from archplan import load_spec, trace_network
from tests.conftest import ROOT, run_metrics

STUDIES = sorted(path.parent for path in (ROOT / "results").glob("**/study.json"))
"""Recorded searches (archplan plan --train): their trials' run folders are the study's record."""
RUNS = sorted(
    path.parent
    for path in (ROOT / "results").glob("**/metrics.json")
    if not any(path.is_relative_to(study / "trials") for study in STUDIES)
)
RESULTS = (ROOT / "docs" / "results.md").read_text(encoding="utf-8")


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
def test_the_page_quotes_each_run_as_recorded(folder: Path) -> None:
    record = run_metrics(folder)
    assert f"{100 * record['test_accuracy']:.2f}%" in RESULTS
    assert f"{record['train_seconds']:,.0f} s" in RESULTS
    assert f"`results/{folder.relative_to(ROOT / 'results').as_posix()}/`" in RESULTS
    params = trace_network(load_spec(folder / "spec.json")).total_params
    assert f"{params:,}" in RESULTS


def test_there_is_a_recorded_search() -> None:
    assert STUDIES


@pytest.mark.parametrize("study", STUDIES, ids=lambda folder: folder.name)
def test_a_recorded_search_keeps_every_trial(study: Path) -> None:
    """trials.csv lists every trial; each trained one has its run folder, as the run wrote it."""
    rows = list(csv.DictReader((study / "trials.csv").read_text(encoding="utf-8").splitlines()))
    record = json.loads((study / "study.json").read_text(encoding="utf-8"))
    trained = [row for row in rows if row["status"] in ("trained", "pruned")]
    assert len(trained) == record["trials"]
    for row in trained:
        folder = ROOT / row["folder"]
        metrics = run_metrics(folder)
        assert metrics["command"].startswith("archplan plan ")
        assert metrics["test_accuracy"] == pytest.approx(float(row["test_accuracy"]))
        assert metrics["epochs"] == int(row["epochs"])
        assert (folder / "history.json").is_file()
        assert (folder / "spec.json").is_file()
    best = min(trained, key=lambda row: int(row["rank"]))
    spec = load_spec(study / "best.json")
    assert spec.name == best["name"]
    assert trace_network(spec).total_macs == int(best["macs"])


@pytest.mark.parametrize("study", STUDIES, ids=lambda folder: folder.name)
def test_the_page_quotes_the_best_trial_as_recorded(study: Path) -> None:
    rows = list(csv.DictReader((study / "trials.csv").read_text(encoding="utf-8").splitlines()))
    best = next(row for row in rows if row["rank"] == "1")
    assert f"{100 * float(best['test_accuracy']):.2f}%" in RESULTS
    assert f"{int(best['macs']):,}" in RESULTS
    assert f"`results/{study.relative_to(ROOT / 'results').as_posix()}/`" in RESULTS
