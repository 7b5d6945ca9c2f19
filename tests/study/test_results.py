"""A study's results as the report shows them: ranked trials, the front, the table, the CSV."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from rich.console import Console

from archplan.records.trials import StudySummary, TrialRecord, trials_csv
from archplan.report.study import study_table

pytest.importorskip("optuna")

from archplan.study.results import ranked


def trial(
    number: int, status: str, accuracy: float | None, macs: int, epochs: int = 2
) -> TrialRecord:
    return TrialRecord(
        number=number, status=status, family="plain", name=f"plain-{number}",
        point={"stages": 2, "width": 32}, traits=("k3", "pool", "gap"), stage_depths=(2, 2),
        stage_widths=(32, 64), params=100_000 + number, macs=macs, best_val_accuracy=accuracy,
        epochs=epochs, epochs_planned=2, test_accuracy=accuracy, seconds=65.0,
    )  # fmt: skip


TRIALS = [
    trial(0, "trained", 0.50, 30_000_000),
    trial(1, "pruned", 0.30, 10_000_000, epochs=1),
    trial(2, "trained", 0.55, 40_000_000),
    trial(3, "rejected", None, 90_000_000, epochs=0),
    trial(
        4, "trained", 0.45, 35_000_000
    ),  # less accurate than trial 0 with more MACs: off the front
    trial(5, "trained", 0.40, 5_000_000),
]


def test_trained_trials_rank_by_accuracy_then_the_pruned_then_the_rest() -> None:
    order = ranked(TRIALS)
    assert [(t.number, t.rank) for t in order] == [
        (2, 1),
        (0, 2),
        (4, 3),
        (5, 4),
        (1, 5),
        (3, None),
    ]
    assert {t.number for t in order if t.on_front} == {2, 0, 5}


def summary() -> StudySummary:
    return StudySummary(
        study="cpu-search", storage="sqlite:///runs/study.db", trials=ranked(TRIALS), target=5,
        epochs=2, limit=10_000, test_limit=None, pruner="median", families=("plain",),
    )  # fmt: skip


def test_the_table_fits_80_columns_and_says_what_was_never_built() -> None:
    console = Console(width=80, color_system=None, record=True)
    console.print(study_table(summary()))
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "Study cpu-search: 5 of 5 trials trained" in text
    assert "pruned" in text
    assert text.count("✓") == 4  # three trials on the front, and the legend
    words = " ".join(text.split())
    assert "Best: trial 2, plain-2: validation accuracy 0.5500, test accuracy 0.5500" in words
    assert "Draws never built: 1 rejected by the limits." in words
    assert "Each trial: 2 epochs, the first 10,000 training images, pruner median" in words


def test_the_csv_holds_every_trial_and_its_point() -> None:
    rows = list(csv.DictReader(trials_csv(summary().trials).splitlines()))
    assert [r["number"] for r in rows] == ["0", "1", "2", "3", "4", "5"]
    assert [r["status"] for r in rows] == [
        "trained",
        "pruned",
        "trained",
        "rejected",
        "trained",
        "trained",
    ]
    assert rows[2]["rank"] == "1"
    assert rows[2]["on_front"] == "true"
    assert rows[0]["stage_widths"] == "32-64"
    assert rows[0]["point.width"] == "32"


def test_a_split_is_made_once_for_runs_on_the_same_data() -> None:
    from archplan.data import CIFAR10_CLASSES, Dataset
    from archplan.keras.split import SplitMemo
    from archplan.schema import Training

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (20, 32, 32, 3), dtype=np.uint8)
    data = Dataset(images, rng.integers(0, 10, 20), images[:5], rng.integers(0, 10, 5),
                   CIFAR10_CLASSES, "random")  # fmt: skip
    memo, training = SplitMemo(), Training(validation_split=0.2)
    first = memo.split(data, training, 0)
    assert memo.split(data, training, 0) is first
    assert memo.split(data, training, 1) is not first  # another seed, another split
    copy = Dataset(
        *(
            getattr(data, f)
            for f in ("x_train", "y_train", "x_test", "y_test", "class_names", "source")
        )
    )
    assert memo.split(copy, training, 1) is not first
