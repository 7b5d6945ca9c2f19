"""Keras as the reference for the 1-D and 3-D layers, channels_first, Permute and RepeatVector.

Every hand-counted case of tests/engine/test_nd_layers.py, the refusals there, and random graphs
of sequences and volumes (sequential and branched, merges included) go to Keras straight from the
raw JSON and to the engine: both accept or both refuse, and when both accept every layer's output
shape and weights agree (:func:`tests.engine.test_graph_keras.check_against_keras`).
"""

from __future__ import annotations

import os
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import chain
from tests.engine.test_graph_keras import MERGES, check_against_keras
from tests.engine.test_nd_layers import ND_CASES

pytestmark = pytest.mark.keras

REFUSED: dict[str, dict[str, Any]] = {
    "Conv2D on a sequence": chain({"type": "Conv2D", "filters": 2, "kernel_size": 1}, shape=(9, 3)),
    "Conv3D on an image": chain({"type": "Conv3D", "filters": 2, "kernel_size": 1}, shape=(9, 9, 3)),
    "Conv1D on an image": chain({"type": "Conv1D", "filters": 2, "kernel_size": 1}, shape=(9, 9, 3)),
    "MaxPooling1D on a volume": chain({"type": "MaxPooling1D"}, shape=(4, 4, 4, 3)),
    "GlobalAveragePooling3D on an image": chain({"type": "GlobalAveragePooling3D"}, shape=(4, 4, 3)),
    "UpSampling1D of a list": chain({"type": "UpSampling1D", "size": [2]}, shape=(4, 3)),
    "causal Conv2D": chain({"type": "Conv2D", "filters": 2, "kernel_size": 1, "padding": "causal"}, shape=(4, 4, 3)),
    "causal SeparableConv1D": chain({"type": "SeparableConv1D", "filters": 2, "kernel_size": 1, "padding": "causal"}, shape=(4, 3)),
    "Conv1D kernel longer than the sequence": chain({"type": "Conv1D", "filters": 2, "kernel_size": 5}, shape=(4, 3)),
    "Conv3D kernel of two sizes": chain({"type": "Conv3D", "filters": 2, "kernel_size": [1, 1]}, shape=(4, 4, 4, 3)),
    "Cropping1D all of it": chain({"type": "Cropping1D", "cropping": [2, 2]}, shape=(4, 3)),
    "Cropping3D all of the depth": chain({"type": "Cropping3D", "cropping": [[1, 1], 0, 0]}, shape=(2, 4, 4, 3)),
    "Permute of too few axes": chain({"type": "Permute", "dims": [2, 1]}, shape=(4, 4, 3)),
    "Permute not a permutation": chain({"type": "Permute", "dims": [1, 1]}, shape=(4, 3)),
    "RepeatVector of a sequence": chain({"type": "RepeatVector", "n": 2}, shape=(4, 3)),
    "SpatialDropout1D on an image": chain({"type": "SpatialDropout1D", "rate": 0.1}, shape=(4, 4, 3)),
    "Conv3DTranspose output padding too big": chain({"type": "Conv3DTranspose", "filters": 2, "kernel_size": 2, "output_padding": 1}, shape=(2, 2, 2, 1)),
    "Conv1D groups not dividing": chain({"type": "Conv1D", "filters": 4, "kernel_size": 1, "groups": 3}, shape=(4, 3)),
}  # fmt: skip
"""Specs both must refuse (Keras while building, or on the first call)."""


@pytest.mark.parametrize("case", ND_CASES, ids=[case[0] for case in ND_CASES])
def test_hand_counted_cases_match_keras(keras: ModuleType, case: tuple[Any, ...]) -> None:
    _, shape, layer, *_ = case
    assert check_against_keras(keras, chain(layer, shape=shape)) is not None


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_both_refuse(keras: ModuleType, name: str) -> None:
    assert check_against_keras(keras, REFUSED[name]) is None


def test_a_1d_audio_net_and_a_3d_video_net_match_keras(keras: ModuleType) -> None:
    audio = chain(
        {"type": "Conv1D", "filters": 8, "kernel_size": 9, "strides": 4, "activation": "relu"},
        {"type": "MaxPooling1D", "pool_size": 4},
        {"type": "Conv1D", "filters": 8, "kernel_size": 3, "padding": "causal", "dilation_rate": 2, "name": "tcn"},
        {"type": "SeparableConv1D", "filters": 8, "kernel_size": 3, "padding": "same"},
        {"type": "Add", "inputs": ["tcn", "separable_conv1d"]},
        {"type": "SpatialDropout1D", "rate": 0.1},
        {"type": "GlobalAveragePooling1D"},
        {"type": "RepeatVector", "n": 3},
        {"type": "Permute", "dims": [2, 1]},
        {"type": "Conv1DTranspose", "filters": 2, "kernel_size": 2, "strides": 2},
        shape=(400, 1),
    )  # fmt: skip
    video = chain(
        {"type": "Conv3D", "filters": 4, "kernel_size": [3, 7, 7], "strides": [1, 2, 2], "padding": "same", "name": "stem"},
        {"type": "MaxPooling3D", "pool_size": [1, 3, 3], "strides": [1, 2, 2], "padding": "same"},
        {"type": "ZeroPadding3D", "padding": 1},
        {"type": "Conv3D", "filters": 4, "kernel_size": 3},
        {"type": "UpSampling3D", "size": [1, 2, 2], "name": "up"},
        {"type": "Cropping3D", "cropping": [0, [1, 0], [0, 1]], "name": "up_cropped"},
        {"type": "Cropping3D", "cropping": [0, [1, 0], [0, 1]], "inputs": ["stem"], "name": "skip"},
        {"type": "Concatenate", "inputs": ["up_cropped", "skip"]},
        {"type": "Conv3DTranspose", "filters": 2, "kernel_size": 2, "strides": [1, 2, 2]},
        {"type": "GlobalMaxPooling3D"},
        shape=(8, 32, 32, 3),
    )  # fmt: skip
    for spec in (audio, video):
        assert check_against_keras(keras, spec) is not None


PADDING = st.sampled_from(["valid", "same"])
FILTERS = st.sampled_from([2, 3])


def one_input(rank: int) -> st.SearchStrategy[dict[str, Any]]:
    """The layers of ``rank`` spatial axes, with small windows so that chains often fit."""
    n = f"{rank}D"
    size = st.integers(1, 3)
    layers = [
        st.fixed_dictionaries(
            {
                "type": st.just(f"Conv{n}"),
                "filters": FILTERS,
                "kernel_size": size,
                "strides": st.integers(1, 2),
                "padding": PADDING,
            }
        ),
        st.fixed_dictionaries(
            {
                "type": st.just(f"Conv{n}Transpose"),
                "filters": FILTERS,
                "kernel_size": size,
                "strides": st.integers(1, 2),
                "padding": PADDING,
            }
        ),
        st.fixed_dictionaries(
            {
                "type": st.sampled_from([f"MaxPooling{n}", f"AveragePooling{n}"]),
                "pool_size": st.integers(1, 2),
                "padding": PADDING,
            }
        ),
        st.fixed_dictionaries({"type": st.just(f"UpSampling{n}"), "size": st.integers(1, 2)}),
        st.fixed_dictionaries({"type": st.just(f"Cropping{n}"), "cropping": st.integers(0, 1)}),
        st.fixed_dictionaries({"type": st.just(f"ZeroPadding{n}"), "padding": st.integers(0, 1)}),
        st.fixed_dictionaries({"type": st.just(f"SpatialDropout{n}"), "rate": st.just(0.1)}),
        st.fixed_dictionaries(
            {"type": st.just(f"GlobalAveragePooling{n}"), "keepdims": st.booleans()}
        ),
        st.fixed_dictionaries(
            {"type": st.sampled_from(["BatchNormalization", "LayerNormalization", "Identity"])}
        ),
    ]
    if rank == 1:
        layers += [
            st.fixed_dictionaries(
                {
                    "type": st.sampled_from(["DepthwiseConv1D", "SeparableConv1D"]),
                    "kernel_size": size,
                    "padding": PADDING,
                    "depth_multiplier": st.integers(1, 2),
                }
            ),
            st.fixed_dictionaries(
                {
                    "type": st.just("Conv1D"),
                    "filters": FILTERS,
                    "kernel_size": size,
                    "dilation_rate": st.integers(1, 2),
                    "padding": st.just("causal"),
                }
            ),
            st.fixed_dictionaries({"type": st.just("Permute"), "dims": st.just([2, 1])}),
        ]
    return st.one_of(*layers)  # fmt: skip


@st.composite
def nd_graphs(draw: st.DrawFn) -> dict[str, Any]:
    """A sequence or volume spec of 2 to 6 layers, each taking one or more earlier outputs."""
    rank = draw(st.sampled_from([1, 3]))
    names = ["input"]
    layers = []
    for index in range(draw(st.integers(2, 6))):
        if index and draw(st.integers(0, 2)) == 0:
            kind = draw(st.sampled_from(sorted(MERGES)))
            count = 2 if kind == "Subtract" else draw(st.integers(1, 3))
            inputs = draw(st.lists(st.sampled_from(names), min_size=count, max_size=count))
            layer: dict[str, Any] = {"type": kind, "inputs": inputs}
        else:
            layer = {**draw(one_input(rank)), "inputs": [draw(st.sampled_from(names))]}
        layer["name"] = f"l{index}"
        if layer["type"] == "SeparableConv1D":
            layer["filters"] = 2
        names.append(layer["name"])
        layers.append(layer)
    spatial = (
        [draw(st.integers(2, 12))]
        if rank == 1
        else draw(st.lists(st.integers(2, 6), min_size=3, max_size=3))
    )
    return chain(*layers, shape=(*spatial, draw(st.sampled_from([2, 3]))))  # fmt: skip


EXAMPLES = int(os.environ.get("ARCHPLAN_KERAS_EXAMPLES", "40"))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=nd_graphs())
def test_random_sequence_and_volume_graphs_match_keras(
    keras: ModuleType, spec: dict[str, Any]
) -> None:
    check_against_keras(keras, spec)
