"""torch for the tests that build PyTorch models: skipped where the torch extra is missing."""

from __future__ import annotations

import sys
from types import ModuleType

import pytest


@pytest.fixture(scope="session")
def torch() -> ModuleType:
    """torch, with triton kept out where TensorFlow is already loaded (the Keras tests run in the
    same process): importing triton after TensorFlow crashes the interpreter (a segmentation
    fault in triton's native library), and torch only needs triton to compile GPU kernels, which
    these tests never do (torch.fx and torch.export ask whether it is installed)."""
    if "tensorflow" in sys.modules and "triton" not in sys.modules:
        sys.modules["triton"] = None  # type: ignore[assignment]  # import triton: ImportError
    return pytest.importorskip("torch")
