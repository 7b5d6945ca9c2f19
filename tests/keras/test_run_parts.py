"""The pieces of a training run that need no Keras: settings, data split, history, run folders, plots."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from archplan.data import CIFAR10_CLASSES, Dataset
from archplan.errors import RunError
from archplan.files.writing import WriteError, write_file
from archplan.keras.crosscheck import CrossCheck, LayerCheck, LayerFacts
from archplan.keras.split import prepare_split, validation_cut
from archplan.records.folder import RunFolder, default_run_dir
from archplan.records.history import (
    HISTORY_COLUMNS,
    EpochRecord,
    best_val_epoch,
    epoch_record,
    history_csv,
    history_json,
    history_stats,
    parse_history_json,
)
from archplan.records.settings import Overrides, RunSettings, new_settings, resumed_settings
from archplan.report.plots import plot_history
from archplan.report.realize import crosscheck_table, duration, epoch_line, render_plain
from archplan.schema import Training, parse_spec
from tests.conftest import chain


def record(epoch: int, acc: float, val: float | None = None, seconds: float = 2.0) -> EpochRecord:
    loss = 1 - acc
    return EpochRecord(epoch, acc, val, loss, None if val is None else 1 - val, seconds)


def dataset(count: int) -> Dataset:
    """``count`` images whose pixels all equal their index, labelled ``index % 10``."""
    images = np.broadcast_to(
        np.arange(count, dtype=np.uint8)[:, None, None, None], (count, 32, 32, 3)
    ).copy()
    labels = np.arange(count, dtype=np.int64) % 10
    return Dataset(images, labels, images[:5].copy(), labels[:5].copy(), CIFAR10_CLASSES, "test")


# settings ------------------------------------------------------------------------------------


TUTORIAL_TRAINING = {"optimizer": "sgd", "epochs": 80, "batch_size": 32, "seed": 7}


def test_overrides_win_over_the_training_block_which_wins_over_defaults() -> None:
    network = parse_spec({**chain({"type": "Flatten"}), "training": TUTORIAL_TRAINING})
    assert new_settings(network, Overrides(), "jax") == RunSettings(
        spec="network", data=None, limit=None, test_limit=None, seed=7, epochs=80, batch_size=32,
        backend="jax",
    )  # fmt: skip
    overridden = new_settings(network, Overrides(epochs=2, batch_size=8, limit=300, seed=1), "jax")
    assert (overridden.epochs, overridden.batch_size, overridden.limit, overridden.seed) == (
        2,
        8,
        300,
        1,
    )


def test_without_a_training_block_keras_defaults_and_seed_zero_apply() -> None:
    settings = new_settings(parse_spec(chain({"type": "Flatten"})), Overrides(), "tensorflow")
    assert (settings.epochs, settings.batch_size, settings.seed) == (1, 32, 0)


def test_a_resumed_run_keeps_its_data_limits_and_seed_but_may_train_longer() -> None:
    saved = RunSettings("s", "data", 300, 100, 3, 2, 32, "tensorflow")
    same = Overrides(data="data", limit=300, seed=3, epochs=5)
    assert resumed_settings(saved, same, "jax") == RunSettings(
        "s", "data", 300, 100, 3, 5, 32, "jax"
    )
    with pytest.raises(RunError, match="drop --limit, --seed"):
        resumed_settings(saved, Overrides(limit=200, seed=4), "tensorflow")


# the data ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("samples", "fraction", "cut"),
    [(300, 0.15, 255), (50000, 0.15, 42500), (10, 0.0, 10), (3, 0.1, 2)],
)
def test_validation_starts_where_keras_would_cut(samples: int, fraction: float, cut: int) -> None:
    assert validation_cut(samples, fraction) == cut


def test_a_split_that_leaves_no_training_images_is_refused() -> None:
    with pytest.raises(RunError, match="leaves no training images; use more images"):
        validation_cut(1, 0.5)


def test_the_split_shuffles_with_the_seed_then_validates_on_the_tail() -> None:
    training = Training(validation_split=0.25, rescale={"scale": 0.5, "offset": -1.0})
    split = prepare_split(dataset(20), training, seed=3)
    again = prepare_split(dataset(20), training, seed=3)
    assert (len(split.x_train), len(split.x_val), len(split.x_test)) == (15, 5, 5)
    assert split.x_train.dtype == np.float32
    assert np.array_equal(split.x_train, again.x_train)
    indices = np.concatenate([split.x_train[:, 0, 0, 0], split.x_val[:, 0, 0, 0]]) * 2 + 2
    assert sorted(indices.astype(int)) == list(range(20))  # every image once, scaled x·0.5 − 1
    assert list(indices.astype(int)) != list(range(20))  # ... in shuffled order
    labels = np.concatenate([split.y_train, split.y_val]).argmax(axis=1)
    assert np.array_equal(labels, indices.astype(int) % 10)  # labels travel with their images
    assert split.y_train.shape == (15, 10)


def test_the_sparse_loss_keeps_integer_labels() -> None:
    training = Training(loss="sparse_categorical_crossentropy")
    split = prepare_split(dataset(20), training, seed=0)
    assert split.y_train.dtype == np.int64
    assert split.validation is None  # validation_split 0: no validation data


# history -------------------------------------------------------------------------------------


def test_epoch_records_count_from_one_and_keep_only_keras_logs_they_know() -> None:
    logs = {"accuracy": np.float32(0.5), "loss": 1.25, "val_loss": 1.5, "learning_rate": 0.01}
    assert epoch_record(0, logs, 3.14159) == EpochRecord(1, 0.5, None, 1.25, 1.5, 3.142)


def test_the_best_validation_epoch_is_the_first_peak_and_the_gap_is_the_last_epochs() -> None:
    history = [record(1, 0.5, 0.4), record(2, 0.7, 0.6), record(3, 0.8, 0.6), record(4, 0.9, 0.5)]
    stats = history_stats(history)
    assert (stats.best_val_epoch, stats.best_val_accuracy) == (2, 0.6)
    assert stats.final_gap == pytest.approx(0.4)
    assert stats.train_seconds == 8.0
    assert best_val_epoch([record(1, 0.5)]) is None


def test_history_files_round_trip_with_the_documented_columns() -> None:
    history = [record(1, 0.5, 0.4), record(2, 0.6)]
    assert parse_history_json(history_json(history)) == history
    lines = history_csv(history).splitlines()
    assert (
        lines[0] == ",".join(HISTORY_COLUMNS) == "epoch,accuracy,val_accuracy,loss,val_loss,seconds"
    )
    assert lines[2] == "2,0.6,,0.4,,2.0"


# run folders ---------------------------------------------------------------------------------


def test_default_run_folders_are_named_after_the_spec_and_the_time() -> None:
    when = datetime(2025, 3, 4, 5, 6, 7)
    assert default_run_dir("tutorial-convnet", when) == Path(
        "runs/tutorial-convnet-20250304-050607"
    )
    assert default_run_dir("my net/v2", when).name == "my-net-v2-20250304-050607"


def test_a_folder_with_files_is_refused_unless_forced(tmp_path: Path) -> None:
    RunFolder.claim(tmp_path / "empty", force=False)
    RunFolder.claim(tmp_path / "empty", force=False)  # existing but empty: fine
    (tmp_path / "empty" / "notes.txt").write_text("mine")
    with pytest.raises(RunError, match="a run is never overwritten; choose another --out-dir"):
        RunFolder.claim(tmp_path / "empty", force=False)
    assert RunFolder.claim(tmp_path / "empty", force=True).path == tmp_path / "empty"


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "metrics.json"
    target.write_text("old")

    def half_written(path: Path) -> None:
        path.write_text("half")
        raise OSError(28, "No space left on device")

    with pytest.raises(WriteError, match=r"No space left on device\); it is as it was"):
        write_file(target, half_written)
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]
    assert target.read_text() == "old"


def test_resume_refuses_a_folder_that_is_not_a_run(tmp_path: Path) -> None:
    with pytest.raises(RunError, match="no such run folder"):
        RunFolder.reopen(tmp_path / "missing")
    folder = RunFolder.claim(tmp_path / "run", force=False)
    folder.write_json("run.json", {"settings": {}})
    with pytest.raises(RunError, match=r"it has no spec\.json, so there is nothing to resume"):
        RunFolder.reopen(folder.path)


# rendering -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "history",
    [[], [record(1, 0.3)], [record(1, 0.3, 0.2), record(2, 0.5, 0.45), record(3, 0.7, 0.4)]],
    ids=["empty", "no-validation", "overfitting"],
)
def test_plots_are_pngs_whatever_the_history(tmp_path: Path, history: list[EpochRecord]) -> None:
    plot_history(history, tmp_path / "plot.tmp", title="t")
    with Image.open(tmp_path / "plot.tmp") as image:
        assert image.format == "PNG"
        assert image.width > image.height > 300


def test_an_epoch_line_shows_metrics_time_and_time_left() -> None:
    line = epoch_line(record(3, 0.5, 0.25, seconds=115), 80, 77 * 115).plain
    assert line == (
        "epoch  3/80  acc 0.5000  val_acc 0.2500  loss 0.5000  val_loss 0.7500  1m 55s  ~2h 27m left"
    )
    assert len(line) <= 100


@pytest.mark.parametrize(
    ("seconds", "text"), [(3.21, "3.2s"), (42, "42s"), (75, "1m 15s"), (3725, "1h 02m")]
)
def test_durations_read_like_a_clock(seconds: float, text: str) -> None:
    assert duration(seconds) == text


def test_the_mismatch_table_shows_only_differing_rows_both_sides() -> None:
    same = LayerFacts((4, 4, 8), 224, 0)
    check = CrossCheck(
        model_name="m",
        layers=(
            LayerCheck(0, "conv2d", "Conv2D", same, same),
            LayerCheck(1, "batch_normalization", "BatchNormalization",
                       LayerFacts((4, 4, 8), 16, 16), LayerFacts((4, 4, 8), 16, 17)),
        ),
        unmatched_keras_layers=(),
        keras_total=257,
    )  # fmt: skip
    text = render_plain(crosscheck_table(check, only_mismatches=True), width=120)
    assert "batch_normalization" in text
    assert "conv2d" not in text
    assert "17" in text
    assert "✗" in text
    assert not check.agrees
    assert all(line == line.rstrip() for line in text.splitlines())


def test_run_settings_survive_run_json(tmp_path: Path) -> None:
    folder = RunFolder.claim(tmp_path / "run", force=False)
    settings = RunSettings("s", None, None, 10, 0, 3, 16, "torch")
    network = parse_spec(chain({"type": "Flatten"}))
    folder.save_setup(network, settings, {"command": "archplan realize"})
    assert folder.read_settings() == settings
    assert folder.read_network() == network
    assert json.loads(folder.file("run.json").read_text())["command"] == "archplan realize"
