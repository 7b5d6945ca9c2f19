"""Receptive field, jump and start: hand-computed values for both tutorial specs, the padding
convention, and the recurrence against a brute-force walk back through the windows (hypothesis).

``start`` is an input pixel index (0.0: the first pixel's centre)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archplan import load_spec, parse_spec, trace_network
from archplan.engine.trace import Trace
from archplan.rules.receptive import GLOBAL, POINTWISE, Field, Window, advance, input_field, window
from tests.conftest import SPECS, chain


def fields(trace: Trace) -> list[tuple[int, int | None, float | None]]:
    """(receptive field, jump, start) per layer, for networks whose axes agree."""
    rows = []
    for layer in trace.layers:
        field = layer.field
        assert field is not None
        assert len(set(field.size)) == 1
        jump = None if field.jump is None else field.jump[0]
        start = None if field.start is None else field.start[0]
        rows.append((field.size[0], jump, start))
    return rows


def test_dimensioning_fields_by_hand() -> None:
    # rf += (k − 1)·jump; jump ·= s; start += ((k − 1)/2 − pad_before)·jump
    assert fields(trace_network(load_spec(SPECS / "tutorial-dimensioning.json"))) == [
        (5, 1, 2.0),  # conv 5×5 valid: 1 + 4·1; centre of pixels 0..4
        (6, 2, 2.5),  # pool 2: 5 + 1·1; between pixels 2 and 3
        (10, 2, 2.5),  # conv 3×3 same (pad 1 before): 6 + 2·2; centre unchanged
        (12, 4, 3.5),  # pool 2: 10 + 1·2
        (20, 4, 7.5),  # conv 3×3 valid: 12 + 2·4; 3.5 + 1·4
        (32, None, None),  # flatten: every unit after it sees the whole 32×32 input
        (32, None, None),
        (32, None, None),
    ]


def test_tutorial_fields_by_hand() -> None:
    assert fields(trace_network(load_spec(SPECS / "tutorial-convnet.json"))) == [
        (3, 1, 0.0),  # conv 3×3 same: the first unit is centred on pixel 0
        (5, 1, 0.0),
        (6, 2, 0.5),  # pool 2
        (10, 2, 0.5),  # 6 + 2·2
        (14, 2, 0.5),
        (16, 4, 1.5),  # pool 2: 14 + 1·2; 0.5 + 0.5·2
        (24, 4, 1.5),  # 16 + 2·4
        (32, 4, 1.5),  # 24 + 2·4: the last convolution sees 32 pixels (some of them padding)
        (32, None, None),
        (32, None, None),
        (32, None, None),
        (32, None, None),
    ]


@pytest.mark.parametrize(
    ("size", "out", "kernel", "stride", "dilation", "pad_before"),
    [
        (32, 32, 3, 1, 1, 1),
        (32, 32, 4, 1, 1, 1),  # 3 padded in all: the odd one goes at the end, as in TensorFlow
        (32, 32, 2, 1, 1, 0),
        (33, 17, 3, 2, 1, 1),  # 16·2 + 3 − 33 = 2
        (32, 16, 3, 2, 1, 0),  # 15·2 + 3 − 32 = 1: all of it at the end
        (32, 32, 3, 1, 3, 3),  # dilated span 7
        (7, 4, 2, 2, 1, 0),  # pooling 2, same, odd size: 3·2 + 2 − 7 = 1
        (5, 3, 7, 2, 1, 3),  # window wider than the input: 2·2 + 7 − 5 = 6
    ],
)
def test_same_padding_puts_the_smaller_half_first(
    size: int, out: int, kernel: int, stride: int, dilation: int, pad_before: int
) -> None:
    assert window(size, out, kernel, stride, dilation, "same").pad_before == pad_before
    assert window(size, out, kernel, stride, dilation, "valid").pad_before == 0


def one(layer: dict[str, Any], shape: tuple[int, ...] = (16, 16, 2)) -> Field:
    field = trace_network(parse_spec(chain(layer, shape=shape))).layers[0].field
    assert field is not None
    return field


@pytest.mark.parametrize(
    ("layer", "expected"),
    [
        ({"type": "Conv2D", "filters": 1, "kernel_size": 3, "dilation_rate": 2}, Field((5, 5), (1, 1), (2.0, 2.0))),
        ({"type": "Conv2D", "filters": 1, "kernel_size": [3, 5]}, Field((3, 5), (1, 1), (1.0, 2.0))),
        ({"type": "Conv2D", "filters": 1, "kernel_size": 3, "strides": [2, 1], "padding": "same"}, Field((3, 3), (2, 1), (1.0, 0.0))),
        ({"type": "MaxPooling2D", "pool_size": 3, "strides": 2}, Field((3, 3), (2, 2), (1.0, 1.0))),
        ({"type": "ZeroPadding2D", "padding": [[2, 0], [1, 3]]}, Field((1, 1), (1, 1), (-2.0, -1.0))),
        ({"type": "BatchNormalization"}, Field((1, 1), (1, 1), (0.0, 0.0))),
        ({"type": "Dense", "units": 3}, Field((1, 1), (1, 1), (0.0, 0.0))),
        ({"type": "GlobalMaxPooling2D", "keepdims": True}, Field((16, 16), None, None)),
        ({"type": "Flatten"}, Field((16, 16), None, None)),
    ],
)  # fmt: skip
def test_single_layer_fields(layer: dict[str, Any], expected: Field) -> None:
    assert one(layer) == expected


def test_zero_padding_shifts_the_next_window() -> None:
    spec = chain(
        {"type": "ZeroPadding2D", "padding": 2}, {"type": "Conv2D", "filters": 1, "kernel_size": 3}
    )
    field = trace_network(parse_spec(spec)).layers[1].field
    assert field == Field((3, 3), (1, 1), (-1.0, -1.0))  # the first unit sees pixels −2..0


def test_nothing_brings_the_layout_back_after_global_pooling() -> None:
    spec = chain(
        {"type": "GlobalAveragePooling2D", "keepdims": True},
        {"type": "Conv2D", "filters": 1, "kernel_size": 1},
        shape=(9, 7, 3),
    )
    assert trace_network(parse_spec(spec)).layers[1].field == Field((9, 7), None, None)


def test_a_network_without_spatial_axes_has_an_empty_field() -> None:
    trace = trace_network(parse_spec(chain({"type": "Dense", "units": 4}, shape=(10,))))
    assert trace.layers[0].field == Field((), (), ())
    assert trace.last_spatial_field is None


def test_a_vector_reshaped_into_an_image_counts_as_seen_whole() -> None:
    """The image's positions are not the input's: no window can be followed back, so every unit
    sees the whole input (the 16 values), as after Flatten."""
    spec = chain(
        {"type": "Reshape", "target_shape": [-1, 4, 1]},
        {"type": "ZeroPadding2D"},
        {"type": "Conv2D", "filters": 1, "kernel_size": 3},
        shape=(16,),
    )
    assert [layer.field for layer in trace_network(parse_spec(spec)).layers] == [
        Field((), None, None)
    ] * 3


def test_a_reshape_keeps_the_field_only_where_it_keeps_rank_and_spatial_sizes() -> None:
    def field_after(target: list[int]) -> Field | None:
        spec = chain(
            {"type": "Conv2D", "filters": 4, "kernel_size": 3},
            {"type": "Reshape", "target_shape": target},
            shape=(8, 8, 1),
        )
        return trace_network(parse_spec(spec)).layers[1].field

    assert field_after([6, 6, 4]) == Field((3, 3), (1, 1), (1.0, 1.0))
    assert field_after([6, 6, 2, 2]) == Field((8, 8), None, None)
    assert field_after([36, 4]) == Field((8, 8), None, None)


def test_last_spatial_field_is_the_last_before_flatten() -> None:
    trace = trace_network(load_spec(SPECS / "tutorial-dimensioning.json"))
    assert trace.last_spatial_field == Field((20, 20), (4, 4), (7.5, 7.5))


def test_advance_refuses_a_window_on_other_axes() -> None:
    with pytest.raises(ValueError, match="a window on 1 axes cannot follow a field on 2 axes"):
        advance(input_field((4, 4, 1)), (Window(3),), (4, 4, 1))


def test_pointwise_and_global_reach() -> None:
    field = input_field((8, 6, 3))
    assert advance(field, POINTWISE, (8, 6, 3)) == field
    assert advance(field, GLOBAL, (8, 6, 3)) == Field((8, 6), None, None)


# The oracle: walk units back to input positions through each window, no recurrence involved.
def input_span(windows: list[Window], unit: int) -> tuple[int, int]:
    """The first and last input positions (padding included) that output ``unit`` depends on."""
    low = high = unit
    for w in reversed(windows):
        low = low * w.stride - w.pad_before
        high = high * w.stride - w.pad_before + w.dilation * (w.kernel - 1)
    return low, high


windows_1d = st.lists(
    st.builds(Window, kernel=st.integers(1, 5), stride=st.integers(1, 3),
              dilation=st.integers(1, 3), pad_before=st.integers(0, 3)),
    min_size=1, max_size=6,
)  # fmt: skip


@given(windows=windows_1d)
def test_recurrence_matches_walking_back_through_the_windows(windows: list[Window]) -> None:
    field = input_field((100, 1))
    for w in windows:
        field = advance(field, (w,), (100, 1))
    assert field.jump is not None
    assert field.start is not None
    low, high = input_span(windows, 0)
    next_low, _ = input_span(windows, 1)
    assert field.size == (high - low + 1,)
    assert field.start == ((low + high) / 2,)
    assert field.jump == (next_low - low,)
