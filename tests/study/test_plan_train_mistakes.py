"""``plan --train`` refuses what cannot run in one line and exit 2, before loading anything."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.study.conftest import SMALL_PLAN, plan_train

pytest.importorskip("optuna")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--trials", "3"], "--trials: only for a search by training; add --train"),
        (
            ["--storage", "journal:x.log", "--pruner", "halving"],
            "--storage, --pruner: only for a search by training; add --train",
        ),
        (
            ["--train"],
            "--train needs --trials N: the trained trials the study is to have (e.g. --trials 20)",
        ),
        (
            ["--train", "--trials", "2", "--top", "3"],
            "--top: not for --train, which ranks networks by validation accuracy",
        ),
        (
            ["--train", "--trials", "2", "--data", "no/such/cifar.tar.xz"],
            "--data no/such/cifar.tar.xz: no such file or folder",
        ),
        (["--train", "--trials", "2", "--seed", "-1"], "--seed: -1 seeds training too: give 0 to"),
        (
            ["--train", "--trials", "2", "--storage", "nonsense"],
            "--storage 'nonsense': not a storage URL; use one of",
        ),
        (
            ["--train", "--trials", "2", "--max-macs", "1K"],
            "nothing fits: of 8 plain networks for 32×32×3, the nearest",
        ),
        (
            ["--train", "--trials", "2", "--storage", "sqlite:///no/such/folder/s.db"],
            "--storage sqlite:///no/such/folder/s.db: cannot be opened (unable to open database file)",
        ),
    ],
)
def test_a_mistake_is_one_line_and_exit_2(
    small_plan: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    code, out, err = plan_train(small_plan, "--out", tmp_path / "out", *args)
    assert code == 2, out + err
    assert err.startswith(f"error: {message}"), err
    assert len(err.strip().splitlines()) == 1
    assert out == ""


def test_a_plan_without_validation_data_is_refused(tmp_path: Path) -> None:
    plan = tmp_path / "novalidation.plan.json"
    plan.write_text(
        json.dumps({**SMALL_PLAN, "training": {**SMALL_PLAN["training"], "validation_split": 0}})
    )
    code, _, err = plan_train(plan, "--train", "--trials", "2", "--out", tmp_path / "out")
    assert code == 2
    assert err.strip() == (
        "error: plan --train ranks trials by validation accuracy, and the plan's training block holds "
        "no validation data; set training.validation_split above 0 (e.g. 0.1)"
    )


def test_a_folder_of_other_files_is_not_written_into(small_plan: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    code, _, err = plan_train(small_plan, "--train", "--trials", "2", "--out", out)
    assert code == 2
    assert err.strip() == (
        f"error: {out}: already holds files that are not a study's; choose another --out-dir, or pass "
        "--force to add the study's files to it"
    )
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_a_database_that_cannot_be_reached_leaves_no_folder_behind(
    small_plan: Path, tmp_path: Path
) -> None:
    pytest.importorskip("psycopg2")
    out = tmp_path / "out"
    code, _, err = plan_train(small_plan, "--train", "--trials", "2", "--out", out,
                              "--storage", "postgresql://ann:secret@127.0.0.1:9/optuna")  # fmt: skip
    assert code == 2
    assert err.startswith(
        "error: --storage postgresql://ann:***@127.0.0.1:9/optuna: cannot be opened ("
    )
    assert "secret" not in err
    assert not out.exists()
