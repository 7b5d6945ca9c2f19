"""``plan --train`` end to end on tiny data: trials trained through run folders, results written,
rejected draws never built, a study continued by a rerun with more trials."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from archplan import load_spec, trace_network
from tests.study.conftest import FEASIBLE, plan_train, study_trials

pytestmark = pytest.mark.keras
RUN_FILES = {"spec.json", "run.json", "history.json", "history.csv", "metrics.json", "history.png",
             "summary.txt", "model.keras"}  # fmt: skip


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of every model the run lifecycle builds."""
    import archplan.runs.lifecycle as lifecycle

    built: list[str] = []
    realize: Callable[..., Any] = lifecycle.realize

    def counted(network: Any, *args: Any, **kwargs: Any) -> Any:
        built.append(network.name)
        return realize(network, *args, **kwargs)

    monkeypatch.setattr(lifecycle, "realize", counted)
    return built


def test_a_search_trains_its_trials_and_never_builds_a_rejected_one(
    small_plan: Path, tiny_cifar: Path, tmp_path: Path, builds: list[str]
) -> None:
    out = tmp_path / "study"
    code, stdout, err = plan_train(small_plan, "--train", "--data", tiny_cifar, "--trials", "3",
                                   "--max-macs", "400K", "--out", out)  # fmt: skip
    assert code == 0, stdout + err
    trials = study_trials(f"sqlite:///{out / 'study.db'}", "small")
    trained = [t for t in trials if t.user_attrs.get("role") == "trained"]
    rejected = [t for t in trials if t.user_attrs.get("role") == "rejected"]
    assert len(trained) == 3
    assert rejected, "the sampler drew no point beyond --max-macs 400K: the test proves nothing"
    assert sorted(builds) == sorted(
        t.user_attrs["name"] for t in trained
    )  # one build per trained trial
    for trial in rejected:
        assert trial.user_attrs["note"].startswith("breaks --max-macs"), trial.user_attrs
        assert not list((out / "trials").glob(f"{trial.number:04d}-*"))
    for trial in trained:
        folder = Path(trial.user_attrs["folder"])
        assert {p.name for p in folder.iterdir()} >= RUN_FILES
        metrics = json.loads((folder / "metrics.json").read_text())
        assert metrics["test_accuracy"] == pytest.approx(trial.user_attrs["test_accuracy"])
    assert "Study small: 3 of 3 trials trained" in stdout
    assert "rejected by the limits" in stdout
    best = load_spec(out / "best.json")
    best_trial = max((t for t in trained if t.value is not None), key=lambda t: t.value)
    assert best.name == best_trial.user_attrs["name"]
    assert trace_network(best).total_macs == best_trial.user_attrs["macs"] <= 400_000
    rows = list(csv.DictReader((out / "trials.csv").read_text().splitlines()))
    assert [int(r["number"]) for r in rows] == [t.number for t in trials]
    assert {r["status"] for r in rows} >= {"trained", "rejected"}
    assert (out / "search.png").stat().st_size > 0


def test_a_rerun_continues_the_study_and_more_trials_add_the_difference(
    small_plan: Path, tiny_cifar: Path, tmp_path: Path, builds: list[str]
) -> None:
    out = tmp_path / "study"
    base = [small_plan, "--train", "--data", tiny_cifar, "--out", out, "--pruner", "none"]
    assert plan_train(*base, "--trials", "2")[0] == 0
    storage = f"sqlite:///{out / 'study.db'}"
    first = [
        t.number for t in study_trials(storage, "small") if t.user_attrs.get("role") == "trained"
    ]
    assert len(first) == 2
    assert len(builds) == 2

    code, stdout, _ = plan_train(
        *base, "--trials", "2"
    )  # the study has its trials: nothing to train
    assert code == 0
    assert len(builds) == 2
    assert "Study small: 2 of 2 trials trained" in stdout

    code, stdout, _ = plan_train(*base, "--trials", "4")
    assert code == 0
    trained = [t for t in study_trials(storage, "small") if t.user_attrs.get("role") == "trained"]
    assert [t.number for t in trained][:2] == first
    assert len(trained) == 4
    assert len(builds) == 4
    assert len({t.user_attrs["name"] for t in trained}) == 4  # no network trained twice
    assert "Study small: 4 of 4 trials trained" in stdout

    code, _, err = plan_train(*base, "--trials", "4", "--epochs", "2")
    assert code == 2
    assert "the study 'small' there was started with other settings (epochs 1, now 2)" in err


def test_a_space_whose_networks_are_all_trained_ends_the_search(
    small_plan: Path, tiny_cifar: Path, tmp_path: Path
) -> None:
    code, stdout, err = plan_train(small_plan, "--train", "--data", tiny_cifar, "--trials", "9",
                                   "--out", tmp_path / "study", "--pruner", "none")  # fmt: skip
    assert code == 0, stdout + err
    assert f"Study small: {FEASIBLE} of 9 trials trained" in stdout
    assert err.strip() == (
        f"warning: stopped before 9 trials: every one of the {FEASIBLE} networks within the "
        "limits has been trained"
    )


def test_a_trial_keras_could_not_evaluate_is_rejected_before_it_is_built(
    small_plan: Path, tiny_cifar: Path, tmp_path: Path, builds: list[str]
) -> None:
    plan = json.loads(small_plan.read_text(encoding="utf-8"))
    plan["fixed_layers"] = [{"type": "RandomCrop", "height": 28, "width": 28}]
    plan["families"]["plain"]["stages"] = [1]
    plan["families"]["plain"]["width"] = [8]  # two points: global pooling or Flatten
    small_plan.write_text(json.dumps(plan), encoding="utf-8")
    out = tmp_path / "study"
    code, stdout, err = plan_train(small_plan, "--train", "--data", tiny_cifar, "--trials", "2",
                                   "--out", out)  # fmt: skip
    assert code == 0, stdout + err
    trials = study_trials(f"sqlite:///{out / 'study.db'}", "small")
    notes = {t.user_attrs["name"]: t.user_attrs.get("note", "") for t in trials}
    flattened = [name for name in notes if "flatten" in name]
    assert flattened, notes
    for name in flattened:
        assert notes[name].startswith("Keras cannot evaluate it: layers[0] ('random_crop'")
        assert name not in builds
    assert [name for name in builds if "gap" in name]  # the other trains as Keras would
