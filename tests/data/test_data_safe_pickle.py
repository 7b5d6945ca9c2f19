"""The python batches are pickles: one that tries to run code is refused, and runs nothing."""

from __future__ import annotations

import os
import pickle
import sys

import numpy as np
import pytest

from archplan.data import load_cifar10
from archplan.data.safe_pickle import load_batch_pickle
from archplan.errors import DataError
from tests.data.builders import py2_pickle


class RunsAShellCommand:
    """Unpickling this with plain ``pickle.load`` would run ``touch <marker>``."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_pickle_that_runs_a_command_is_refused_and_does_not_run(files, tmp_path) -> None:
    marker = tmp_path / "pwned"
    folder = files.python_folder()
    batch = folder / "data_batch_2"
    batch.write_bytes(pickle.dumps({b"data": RunsAShellCommand(str(marker))}, protocol=4))

    with pytest.raises(DataError) as caught:
        load_cifar10(folder)

    assert str(caught.value) == (
        f"{batch} tries to load the disallowed global {os.system.__module__}.system and was not "
        "loaded; CIFAR-10 batches hold only arrays, lists and bytes, so this file is not one: "
        "download cifar-10-python.tar.gz again from the official site"
    )
    assert not marker.exists()


def test_refused_inside_an_archive_too(files, tmp_path) -> None:
    marker = tmp_path / "pwned"
    folder = files.python_folder()
    (folder / "batches.meta").write_bytes(pickle.dumps(RunsAShellCommand(str(marker))))
    archive = files.tar(folder, "cifar-10-python.tar.gz", top="cifar-10-batches-py")

    with pytest.raises(DataError, match="disallowed global"):
        load_cifar10(archive)

    assert not marker.exists()


@pytest.mark.parametrize(
    ("value", "protocol", "refused"),
    [
        (eval, 4, "builtins.eval"),
        (eval, 2, "__builtin__.eval"),
        (np.load, 4, "numpy.load"),
        (sys.exit, 4, "sys.exit"),
        (np.frombuffer, 4, "numpy.frombuffer"),
        # Python 3 writes bytes at protocol 2 through _codecs.encode; the official files do not.
        ({b"data": b"raw"}, 2, "_codecs.encode"),
    ],
)
def test_only_the_array_globals_are_allowed(value, protocol, refused) -> None:
    data = pickle.dumps(value, protocol=protocol)
    with pytest.raises(DataError, match=f"disallowed global {refused} and was not loaded"):
        load_batch_pickle(data, "batch")


def test_arrays_lists_bytes_and_ints_load() -> None:
    array = np.arange(6, dtype=np.uint8).reshape(2, 3)
    content = load_batch_pickle(py2_pickle({b"a": array, b"b": [1, b"x"]}), "batch")

    assert isinstance(content, dict)
    np.testing.assert_array_equal(content[b"a"], array)
    assert content[b"b"] == [1, b"x"]
