"""Keras as the reference for Embedding, MultiHeadAttention and GroupNormalization: every
hand-counted case of tests/engine/test_attention_layers.py, cross-attention, and what both refuse,
built by Keras straight from the raw JSON and traced by the engine
(:func:`tests.engine.test_graph_keras.check_against_keras`)."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

from tests.conftest import chain
from tests.engine.test_attention_layers import ATTENTION_CASES
from tests.engine.test_graph_keras import check_against_keras

pytestmark = pytest.mark.keras

MHA = {"type": "MultiHeadAttention", "num_heads": 2, "key_dim": 3}
REFUSED: dict[str, dict[str, Any]] = {
    "group norm not dividing": chain({"type": "GroupNormalization", "groups": 4}, shape=(4, 4, 6)),
    "group norm more groups than channels": chain({"type": "GroupNormalization", "groups": 8}, shape=(4, 4, 6)),
    "group norm on the batch axis": chain({"type": "GroupNormalization", "groups": 1, "axis": 0}, shape=(4, 6)),
    "attention on a vector": chain(MHA, shape=(8,)),
    "value and key of different lengths": chain(
        {"type": "Cropping1D", "cropping": [0, 2], "name": "short"},
        {**MHA, "inputs": ["input", "input", "short"]}, shape=(6, 4)),
    "embedding of no ids": chain({"type": "Embedding", "input_dim": 0, "output_dim": 2}, shape=(4,)),
}  # fmt: skip


@pytest.mark.parametrize("case", ATTENTION_CASES, ids=[case[0] for case in ATTENTION_CASES])
def test_hand_counted_cases_match_keras(keras: ModuleType, case: tuple[Any, ...]) -> None:
    _, shape, layer, *_ = case
    assert check_against_keras(keras, chain(layer, shape=shape)) is not None


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_both_refuse(keras: ModuleType, name: str) -> None:
    assert check_against_keras(keras, REFUSED[name]) is None


def test_a_conv_stem_with_a_transformer_block_matches_keras(keras: ModuleType) -> None:
    """A ViT-style hybrid: a strided conv stem, tokens, attention with a residual, an MLP."""
    spec = chain(
        {"type": "Conv2D", "filters": 8, "kernel_size": 4, "strides": 4},
        {"type": "Reshape", "target_shape": [-1, 8], "name": "tokens"},
        {"type": "LayerNormalization", "epsilon": 1e-6},
        {"type": "MultiHeadAttention", "num_heads": 2, "key_dim": 4, "name": "attention"},
        {"type": "Add", "inputs": ["tokens", "attention"], "name": "residual"},
        {"type": "Dense", "units": 16, "activation": "gelu"},
        {"type": "Dense", "units": 8},
        {"type": "Add", "inputs": ["residual", "dense_1"]},
        {"type": "GlobalAveragePooling1D"},
        {"type": "Dense", "units": 10, "activation": "softmax"},
        shape=(32, 32, 3),
    )
    sequence = chain(
        {"type": "Embedding", "input_dim": 50, "output_dim": 8, "name": "embedded"},
        {"type": "Cropping1D", "cropping": [0, 4], "name": "query"},
        {"type": "MultiHeadAttention", "num_heads": 2, "key_dim": 4, "value_dim": 2,
         "inputs": ["query", "embedded"]},
        {"type": "GroupNormalization", "groups": 4},
        shape=(12,),
    )  # fmt: skip
    for one in (spec, sequence):
        assert check_against_keras(keras, one) is not None
