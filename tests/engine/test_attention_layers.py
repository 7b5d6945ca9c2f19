"""Hand-counted: Embedding, MultiHeadAttention, GroupNormalization, Dense on sequences.

Every number was counted by hand from Keras' rules (the arithmetic beside it); the Keras oracle
(tests/engine/test_attention_keras.py) compares the same specs against Keras itself.
"""

from __future__ import annotations

from typing import Any

import pytest

from archplan import SpecError, parse_spec, trace_network
from tests.conftest import chain
from tests.engine.conftest import trace_one

ATTENTION_CASES: list[tuple[str, tuple[int, ...], dict[str, Any], tuple[int, ...], int, int]] = [
    # id, input, layer, output, trainable, MACs
    # Embedding: input_dim·output_dim weights; a lookup.
    ("embedding", (12,), {"type": "Embedding", "input_dim": 100, "output_dim": 8}, (12, 8), 800, 0),
    ("embedding mask zero", (12,), {"type": "Embedding", "input_dim": 5, "output_dim": 3, "mask_zero": True}, (12, 3), 15, 0),
    # Self-attention on (T=10, C=16), 2 heads, d_k = d_v = 4:
    # weights 3·(16 + 1)·2·4 + 2·4·16 + 16 = 408 + 144 = 552;
    # MACs: projections 3·10·16·8 = 3,840; scores 2·10·10·4 = 800; weighted sum 800;
    # output 10·2·4·16 = 1,280: 6,720.
    ("self-attention", (10, 16), {"type": "MultiHeadAttention", "num_heads": 2, "key_dim": 4}, (10, 16), 552, 6720),
    # No bias, value_dim 3, output_shape 5: 16·2·4·2 + 16·2·3 + 2·3·5 = 256 + 96 + 30 = 382;
    # MACs 10·16·(8 + 8 + 6) + 2·10·10·4 + 2·10·10·3 + 10·6·5 = 3,520 + 800 + 600 + 300.
    ("attention value dim, output shape, no bias", (10, 16),
     {"type": "MultiHeadAttention", "num_heads": 2, "key_dim": 4, "value_dim": 3, "output_shape": 5, "use_bias": False},
     (10, 5), 382, 5220),
    # Over an image's 4×5 positions (20 of them), 1 head, d_k 2, C 3:
    # weights 3·(3 + 1)·2 + 2·3 + 3 = 33; MACs 3·20·3·2 + 20·20·2·2 + 20·2·3 = 360 + 1,600 + 120.
    ("attention over an image", (4, 5, 3), {"type": "MultiHeadAttention", "num_heads": 1, "key_dim": 2}, (4, 5, 3), 33, 2080),
    # attention_axes=2 on (4, 5, 3): 4 rows attended apart, 5 positions each:
    # MACs 3·20·3·2 + 4·5·5·2·2 + 20·2·3 = 360 + 400 + 120.
    ("attention along the width", (4, 5, 3), {"type": "MultiHeadAttention", "num_heads": 1, "key_dim": 2, "attention_axes": 2}, (4, 5, 3), 33, 880),
    # GroupNormalization: 2·C weights.
    ("group norm", (8, 8, 16), {"type": "GroupNormalization", "groups": 4}, (8, 8, 16), 32, 0),
    ("group norm instance", (8, 8, 6), {"type": "GroupNormalization", "groups": -1, "center": False}, (8, 8, 6), 6, 0),
    ("group norm sequence", (20, 8), {"type": "GroupNormalization", "groups": 8}, (20, 8), 16, 0),
    # Dense on a sequence: (C + 1)·units weights; C·units MACs per step.
    ("dense on a sequence", (10, 16), {"type": "Dense", "units": 4}, (10, 4), 68, 16 * 4 * 10),
]  # fmt: skip


@pytest.mark.parametrize(
    ("shape", "layer", "output", "trainable", "macs"),
    [case[1:] for case in ATTENTION_CASES],
    ids=[case[0] for case in ATTENTION_CASES],
)
def test_attention_layer_rule(
    shape: tuple[int, ...],
    layer: dict[str, Any],
    output: tuple[int, ...],
    trainable: int,
    macs: int,
) -> None:
    row = trace_one(shape, layer)
    assert row.output_shape == output
    assert (row.trainable_params, row.non_trainable_params) == (trainable, 0)
    assert row.macs == macs


def test_cross_attention_takes_query_then_value() -> None:
    """A query (6, 8) attends to a value (12, 4), which is also the key; the output has the
    query's shape. Weights (8 + 1)·2·3 + (4 + 1)·2·3 + (4 + 1)·2·3 + 2·3·8 + 8 = 54 + 30 + 30 +
    56; MACs 6·8·6 + 12·(4·6 + 4·6) + 2·6·12·3 (scores) + 2·6·12·3 (sum) + 6·6·8."""
    spec = chain(
        {"type": "Cropping1D", "cropping": [0, 6], "name": "query"},
        {"type": "Dense", "units": 4, "name": "memory", "inputs": ["input"]},
        {"type": "MultiHeadAttention", "num_heads": 2, "key_dim": 3, "inputs": ["query", "memory"]},
        shape=(12, 8),
    )
    row = trace_network(parse_spec(spec)).layers[-1]
    assert row.output_shape == (6, 8)
    assert row.trainable_params == 54 + 30 + 30 + 56
    assert row.macs == 6 * 8 * 6 + 12 * (4 * 6 + 4 * 6) + 2 * 6 * 12 * 3 * 2 + 6 * 6 * 8
    assert "scores 2·6·12·3 = 432 MACs" in row.arithmetic[0]


@pytest.mark.parametrize(
    ("shape", "layer", "message"),
    [
        ((10, 16), {"type": "MultiHeadAttention", "num_heads": 2, "key_dim": 4, "attention_axes": 3},
         "attention_axes=3 is not a feature axis of an input of shape (10, 16)"),
        ((10, 16), {"type": "MultiHeadAttention", "num_heads": 2, "key_dim": 4, "attention_axes": 2},
         "attention_axes=[2] must name distinct axes of the query (10, 16) other than its last"),
        ((16,), {"type": "MultiHeadAttention", "num_heads": 2, "key_dim": 4},
         "must have one rank, at least 2 (positions, features)"),
        ((8, 8, 6), {"type": "GroupNormalization", "groups": 4},
         "groups=4 does not divide the 6 channels of axis -1"),
        ((8, 8, 6), {"type": "GroupNormalization", "groups": 0}, "groups must be a positive integer"),
    ],
)  # fmt: skip
def test_attention_refusals_name_the_layer_its_input_and_the_fix(
    shape: tuple[int, ...], layer: dict[str, Any], message: str
) -> None:
    with pytest.raises(SpecError) as caught:
        trace_network(parse_spec(chain(layer, shape=shape)))
    assert message in str(caught.value)
