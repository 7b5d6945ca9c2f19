"""Fixtures for the measured search: a small plan whose space holds networks that break its limit,
the tiny CIFAR-10 of the Keras tests, and ``plan --train`` run in process or as worker processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from archplan.cli import app
from tests.conftest import ROOT
from tests.keras.conftest import tiny_cifar  # noqa: F401  (the fixture, shared)

PLAIN_TERMINAL = {"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}
SMALL_PLAN: dict[str, Any] = {
    "input": {"shape": [32, 32, 3]},
    "classes": 10,
    "families": {"plain": {"stages": [1, 2], "depth": [1], "depth_growth": [0], "width": [8, 16],
                           "width_factor": [1.0], "kernel": [3], "downsample": ["pool"],
                           "head": ["gap", "flatten"], "hidden": ["none"], "batch_norm": [False]}},
    "constraints": {"max_macs": "1M"},
    "training": {"optimizer": {"type": "Adam", "learning_rate": 0.003}, "epochs": 1,
                 "batch_size": 32, "validation_split": 0.2, "seed": 0},
}  # fmt: skip
"""Eight points: six networks within --max-macs 1M, two (two stages of 16) beyond it."""
FEASIBLE = 6


@pytest.fixture
def small_plan(tmp_path: Path) -> Path:
    path = tmp_path / "small.plan.json"
    path.write_text(json.dumps(SMALL_PLAN), encoding="utf-8")
    return path


def plan_train(*args: str | Path) -> tuple[int, str, str]:
    """``archplan plan ARGS`` in process: exit code, stdout, stderr."""
    result = CliRunner().invoke(app, ["plan", *map(str, args)], env=PLAIN_TERMINAL)
    return result.exit_code, result.stdout, result.stderr


def worker(args: Sequence[str | Path], **options: Any) -> subprocess.Popen[str]:
    """``archplan plan ARGS`` as a process of its own: a worker of the study."""
    env = {**os.environ, **PLAIN_TERMINAL, "PYTHONUNBUFFERED": "1", "KERAS_BACKEND": "tensorflow"}
    return subprocess.Popen(
        [sys.executable, "-m", "archplan", "plan", *map(str, args)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **options,
    )  # fmt: skip


def study_trials(storage: str, name: str) -> list[Any]:
    """The study's trials, read back from its storage."""
    import optuna

    from archplan.study.storage import open_storage, parse_storage

    opened = open_storage(parse_storage(storage), lambda study, trial: None)
    return list(optuna.load_study(study_name=name, storage=opened).get_trials(deepcopy=False))
