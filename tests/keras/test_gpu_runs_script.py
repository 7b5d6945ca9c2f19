"""``results/gpu-runs.sh``: the one script a GPU session runs, rehearsed here on the CPU.

A GPU is lent rarely and briefly, so the script must work the first time it meets one: this
rehearses a part end to end (Keras on JAX, as on the GPU machine) on the tiny image folders.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

SCRIPT = ROOT / "results" / "gpu-runs.sh"


def gpu_runs(out: Path, *parts: str, data: Path | None = None) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "QUICK": "1",
        "BACKEND": "jax",
        "PYTHON": sys.executable,
        "DATA": str(data or ROOT / "missing"),
        "COLUMNS": "120",
        "NO_COLOR": "1",
        "TERM": "dumb",
    }
    return subprocess.run(
        ["bash", str(SCRIPT), str(out), *parts],
        capture_output=True, text=True, cwd=ROOT, env=environment, timeout=600,
    )  # fmt: skip


def test_an_unknown_part_is_refused_before_anything_runs(tmp_path: Path) -> None:
    result = gpu_runs(tmp_path / "out", "tutorial", "benchmark")
    assert result.returncode == 2
    assert "unknown part 'benchmark': use fast, tutorial or throughput" in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.keras
@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="jax is not installed")
def test_the_tutorial_part_leaves_a_complete_record(tmp_path: Path, tiny_cifar: Path) -> None:
    out = tmp_path / "out"
    result = gpu_runs(out, "tutorial", data=tiny_cifar)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    folder = out / "tutorial-convnet-cpu"
    metrics = json.loads((folder / "metrics.json").read_text())
    assert (metrics["epochs"], metrics["backend"], metrics["device"]) == (1, "jax", "cpu")
    assert metrics["command"].startswith("archplan realize specs/tutorial-convnet.json --train")
    log = (folder / "log.txt").read_text()
    assert log.startswith("$ ")
    assert "--backend jax" in log.splitlines()[0]
    assert "Test accuracy" in log
    assert "exit 0 after" in log
    for kept in ("history.json", "history.csv", "history.png", "spec.json", "summary.txt"):
        assert (folder / kept).is_file(), kept
    assert not (folder / "model.keras").exists()  # the weights stay on the GPU machine
    assert (out / "devices.txt").read_text().startswith("jax: [CpuDevice")
