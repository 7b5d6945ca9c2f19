"""torch for the tests that build PyTorch models: skipped where the torch extra is missing."""

from __future__ import annotations

from types import ModuleType

import pytest


@pytest.fixture(scope="session")
def torch() -> ModuleType:
    return pytest.importorskip("torch")
