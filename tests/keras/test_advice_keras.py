"""Advice after an interruption works when pasted: Ctrl-C in the first epoch."""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import SPECS
from tests.keras.conftest import realize
from tests.keras.test_realize_cli import StopAtEpoch

pytestmark = pytest.mark.keras


def test_ctrl_c_in_the_first_epoch_advises_a_command_that_trains(
    keras_module: ModuleType, tiny_cifar: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before, it advised --resume, which was then refused: no epoch had been saved."""
    out = tmp_path / "run"
    args = [str(SPECS / "tutorial-convnet.json"), "--train", "--data", str(tiny_cifar), "--out-dir",
            str(out), "--limit", "120", "--test-limit", "30", "--epochs", "1"]  # fmt: skip
    monkeypatch.setattr(sys, "argv", ["archplan", "realize", *args])  # the command recorded
    monkeypatch.setattr(
        "archplan.report.realize.ConsoleWatcher", lambda console: StopAtEpoch(1, "raise")
    )
    code, stdout, err = realize(*args)
    assert (code, err) == (130, ""), stdout
    assert "--resume" not in stdout
    flat = " ".join(stdout.split())  # the console wraps long lines
    found = re.search(
        rf"start it again with: (archplan realize .*? --out-dir {re.escape(str(out))})", flat
    )
    assert found, stdout
    monkeypatch.undo()
    words = shlex.split(found.group(1))
    code, stdout, err = realize(*words[2:])
    assert (code, err) == (0, ""), stdout
    assert (out / "model.keras").is_file()
