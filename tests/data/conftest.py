"""Fixtures: the tiny data set of :mod:`.builders`, and a writer of it into ``tmp_path``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.data.builders import Cifar, Files, tiny_cifar


@pytest.fixture(scope="session")
def cifar() -> Cifar:
    return tiny_cifar()


@pytest.fixture
def files(tmp_path: Path, cifar: Cifar) -> Files:
    return Files(tmp_path, cifar)
