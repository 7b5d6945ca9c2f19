"""Several processes on one storage are the workers of one study; Ctrl-C keeps finished trials.

Each test starts real ``archplan plan --train`` processes on tiny data (as a user would, one per
terminal or machine) and reads the study back from its storage.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.study.conftest import study_trials, worker

pytestmark = pytest.mark.keras
TIMEOUT = 300


def trained(trials: list[object]) -> list[object]:
    return [t for t in trials if t.user_attrs.get("role") == "trained"]  # type: ignore[attr-defined]


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=TIMEOUT)
    return process.returncode, out, err


def run_two_workers(small_plan: Path, tiny_cifar: Path, out: Path, storage: str) -> None:
    args = [small_plan, "--train", "--data", tiny_cifar, "--trials", "5", "--epochs", "2",
            "--out", out, "--storage", storage]  # fmt: skip
    workers = [worker(args), worker(args)]
    results = [finish(process) for process in workers]
    for code, out_text, err in results:
        assert code == 0, out_text + err
    trials = study_trials(storage, "small")
    done = trained(trials)
    assert len(done) == 5  # none lost
    assert len({t.user_attrs["name"] for t in done}) == 5  # none run twice
    assert {t.state.name for t in done} <= {"COMPLETE", "PRUNED"}
    assert len({t.user_attrs["worker"] for t in done}) == 2  # both took part
    folders = sorted(p.name for p in (out / "trials").iterdir())
    assert folders == sorted(Path(t.user_attrs["folder"]).name for t in done)
    # each worker reports the study as it stands when it stops; the last one sees every trial
    assert all("of 5 trials trained" in text for _, text, _ in results)
    assert any("Study small: 5 of 5 trials trained" in text for _, text, _ in results)


def test_two_workers_on_a_journal_file_finish_the_trials_between_them(
    small_plan: Path, tiny_cifar: Path, tmp_path: Path
) -> None:
    out = tmp_path / "study"
    run_two_workers(small_plan, tiny_cifar, out, f"journal:{out / 'study.log'}")


def test_ctrl_c_keeps_the_finished_trials_and_a_rerun_runs_only_the_missing_ones(
    small_plan: Path, tiny_cifar: Path, tmp_path: Path
) -> None:
    out = tmp_path / "study"
    args = [small_plan, "--train", "--data", tiny_cifar, "--trials", "3", "--epochs", "4",
            "--pruner", "none", "--out", out]  # fmt: skip
    process = worker(args)
    assert process.stdout is not None
    seen = []
    for line in process.stdout:  # interrupt the second trial once it has started
        seen.append(line)
        if "(2/3)" in line:
            time.sleep(1.0)
            process.send_signal(signal.SIGINT)
            break
    code, rest, err = finish(process)
    assert code == 130, "".join(seen) + rest + err
    assert "Interrupted: every finished trial is kept in the study" in rest

    storage = f"sqlite:///{out / 'study.db'}"
    before = study_trials(storage, "small")
    kept = [t for t in trained(before) if t.state.name == "COMPLETE"]
    stopped = [t for t in trained(before) if t.state.name == "FAIL"]
    assert len(kept) == 1
    assert len(stopped) == 1
    kept_metrics = Path(kept[0].user_attrs["folder"]) / "metrics.json"
    stamp = kept_metrics.stat().st_mtime_ns

    code, text, err = finish(worker(args))
    assert code == 0, text + err
    after = trained(study_trials(storage, "small"))
    counted = [t for t in after if t.state.name in ("COMPLETE", "PRUNED")]
    assert len(counted) == 3
    assert kept[0].number in {t.number for t in counted}
    assert kept_metrics.stat().st_mtime_ns == stamp  # the finished trial was not run again
    retried = [t for t in counted if t.user_attrs.get("retry_of") == stopped[0].number]
    assert len(retried) == 1
    assert retried[0].params == stopped[0].params


def _initdb() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return candidates[-1].parent if candidates else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def postgres() -> Iterator[str]:
    """A throw-away PostgreSQL server on a free local port (skipped where none can start).

    Its folder is made in the system's temporary folder, not pytest's (which only its owner may
    enter), since as root the server runs as the ``postgres`` user.
    """
    pytest.importorskip("psycopg2")
    bin_dir = _initdb()
    if bin_dir is None or not (bin_dir / "pg_ctl").exists():
        pytest.skip("PostgreSQL's initdb and pg_ctl are not installed (apt-get install postgresql)")
    root = Path(tempfile.mkdtemp(prefix="archplan-postgres-"))
    try:
        yield from _server(bin_dir, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _server(bin_dir: Path, root: Path) -> Iterator[str]:
    data = root / "data"
    as_user: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: run it as its own user
        if shutil.which("runuser") is None:
            pytest.skip("running as root without runuser: cannot start PostgreSQL")
        try:
            shutil.chown(root, "postgres")
        except (LookupError, PermissionError):
            pytest.skip("no 'postgres' user to run PostgreSQL as")
        as_user = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    initdb = subprocess.run([*as_user, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust",
                             "-U", "archplan"], capture_output=True, text=True)  # fmt: skip
    if initdb.returncode != 0:
        pytest.skip(f"initdb failed: {initdb.stderr.strip()[:200]}")
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1"
    pg_ctl = [*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(root / "log")]
    started = subprocess.run([*pg_ctl, "-o", options, "-w", "-t", "60", "start"],
                             capture_output=True, text=True)  # fmt: skip
    if started.returncode != 0:
        pytest.skip(f"PostgreSQL did not start: {started.stderr.strip()[:200]}")
    try:
        yield f"postgresql://archplan@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*pg_ctl, "-m", "immediate", "stop"], capture_output=True, check=False)


def test_two_workers_on_postgresql_finish_the_trials_between_them(
    small_plan: Path, tiny_cifar: Path, tmp_path: Path, postgres: str
) -> None:
    run_two_workers(small_plan, tiny_cifar, tmp_path / "study", postgres)
