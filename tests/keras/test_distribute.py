"""``--distribute``: data-parallel training over every visible device, on two virtual CPUs.

Keras' backend is fixed per process, and the devices are made up before the framework starts, so
each run is a subprocess: JAX splits the host into two devices with ``XLA_FLAGS``; TensorFlow's
CPU is split into two logical devices by a short wrapper before archplan starts.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from archplan.errors import RunError
from archplan.keras.distribute import DATA_PARALLEL, MIRRORED, Placement, check_global_batch
from tests.conftest import ROOT, SPECS, run_metrics

TUTORIAL = str(SPECS / "tutorial-convnet.json")
TWO_JAX_DEVICES = {"KERAS_BACKEND": "jax", "XLA_FLAGS": "--xla_force_host_platform_device_count=2"}
TWO_TF_DEVICES = """
import sys
from archplan.keras.backend import start_up_chatter_dropped
with start_up_chatter_dropped():  # TensorFlow's own log lines, as archplan drops them
    import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from archplan.cli import main
sys.argv[0] = "archplan"
main()
"""
needs_jax = pytest.mark.skipif(
    importlib.util.find_spec("jax") is None, reason="jax is not installed"
)


def archplan(
    env: dict[str, str], *args: str | Path, wrapper: str | None = None
) -> subprocess.CompletedProcess[str]:
    start = [sys.executable, "-c", wrapper] if wrapper else [sys.executable, "-m", "archplan"]
    environment = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb", **env}
    return subprocess.run(
        [*start, *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=300,
    )


def quick_run(data: Path, out: Path, *extra: str) -> list[str | Path]:
    """95 images: 80 to train, 15 to validate, evened to 14 so every batch splits in two; 14 to test.

    Batches of 16 and 14 only: JAX compiles each batch shape anew, which takes seconds on a CPU.
    """
    return [
        "realize", TUTORIAL, "--train", "--distribute", "--data", data, "--out", out,
        "--limit", "95", "--test-limit", "14", "--batch-size", "16", "--epochs", "1", *extra,
    ]  # fmt: skip


def test_a_global_batch_the_devices_cannot_share_equally_is_refused() -> None:
    check_global_batch(64, 8)
    with pytest.raises(RunError) as refused:
        check_global_batch(30, 4)
    assert str(refused.value) == (
        "--distribute splits each batch of 30 images across 4 devices, which needs a batch size "
        "divisible by 4; pass e.g. --batch-size 32"
    )


def test_every_batch_splits_evenly_across_the_devices() -> None:
    assert Placement(4, DATA_PARALLEL).shard_multiple == 4
    assert Placement(2, MIRRORED).shard_multiple == 2
    assert Placement().shard_multiple == 1


@pytest.mark.keras
@needs_jax
def test_jax_trains_data_parallel_on_two_devices_and_resumes_so(
    tiny_cifar: Path, tmp_path: Path
) -> None:
    run = tmp_path / "run"
    cache = {  # the resumed run compiles the same steps: take them from JAX's cache, not anew
        "JAX_COMPILATION_CACHE_DIR": str(tmp_path / "jax-cache"),
        "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
        "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES": "0",
    }
    env = {**TWO_JAX_DEVICES, **cache}
    done = archplan(env, *quick_run(tiny_cifar, run, "--backend", "jax"))
    assert (done.returncode, done.stderr) == (0, ""), done.stdout
    assert "for 1 epochs on 2 devices into" in done.stdout
    result = run_metrics(run)
    assert (result["backend"], result["devices"], result["distribution"]) == (
        "jax",
        2,
        "DataParallel",
    )
    assert (result["train_samples"], result["val_samples"], result["test_samples"]) == (80, 14, 14)
    assert result["completed"] is True
    assert json.loads((run / "run.json").read_text())["settings"]["distribute"] is True

    done = archplan(env, "realize", "--resume", run, "--epochs", "2")
    assert (done.returncode, done.stderr) == (0, ""), done.stdout
    resumed = run_metrics(run)
    assert (resumed["epochs"], resumed["devices"], resumed["completed"]) == (2, 2, True)


@pytest.mark.keras
@needs_jax
def test_a_batch_size_two_devices_cannot_share_is_one_line_and_exit_2(
    tiny_cifar: Path, tmp_path: Path
) -> None:
    done = archplan(TWO_JAX_DEVICES, *quick_run(tiny_cifar, tmp_path / "run", "--batch-size", "33"))
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "error: --distribute splits each batch of 33 images across 2 devices, which needs a batch "
        "size divisible by 2; pass e.g. --batch-size 34\n"
    )
    assert not (tmp_path / "run").exists()


@pytest.mark.keras
def test_tensorflow_trains_mirrored_on_two_devices(tiny_cifar: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    backend = {"KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "2"}
    done = archplan(backend, *quick_run(tiny_cifar, run), wrapper=TWO_TF_DEVICES)
    assert (done.returncode, done.stderr) == (0, ""), done.stdout
    result = run_metrics(run)
    assert (result["backend"], result["devices"], result["distribution"]) == (
        "tensorflow",
        2,
        "MirroredStrategy",
    )
    assert (result["train_samples"], result["val_samples"], result["test_samples"]) == (80, 14, 14)
    assert result["jit_compile"] is False  # Keras' "auto" turns XLA off under tf.distribute
