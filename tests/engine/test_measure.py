"""The numbers-only walk gives the trace's totals, with or without the memo, on every spec."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archplan import SpecError, parse_spec, trace_network
from archplan.engine.measure import InferenceMemo, Measures, measure_network
from archplan.engine.memory import estimate_memory
from archplan.engine.trace import Trace
from archplan.schema import load_spec
from tests.conftest import SPECS, chain
from tests.keras.test_engine_matches_keras import specs


def totals(counts: Trace | Measures) -> tuple[Any, ...]:
    return (
        counts.output_shape, counts.trainable_params, counts.non_trainable_params,
        counts.total_params, counts.total_macs, counts.total_flops, counts.total_other_ops,
        counts.activations, counts.input_values, counts.depth, counts.last_spatial_field,
        counts.last_spatial_shape, estimate_memory(counts).training_bytes,
    )  # fmt: skip


SHIPPED = sorted(path for path in SPECS.glob("*.json") if not path.name.endswith(".schema.json"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.stem)
def test_every_shipped_spec_measures_as_it_traces(path: Any) -> None:
    network = load_spec(path)
    expected = totals(trace_network(network))
    memo = InferenceMemo()
    assert totals(measure_network(network)) == expected
    assert totals(measure_network(network, memo)) == expected
    assert totals(measure_network(network, memo)) == expected  # every step from the memo


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(specs(), min_size=1, max_size=4))
def test_random_specs_measure_as_they_trace_or_refuse_alike(batch: list[dict[str, Any]]) -> None:
    """One memo across several specs, as in a search: reuse must never change an answer."""
    memo = InferenceMemo()
    for spec in batch:
        try:
            network = parse_spec(spec)
        except SpecError:
            continue
        try:
            expected: Any = totals(trace_network(network))
        except SpecError as refusal:
            expected = str(refusal)
        for shared in (None, memo):
            try:
                got: Any = totals(measure_network(network, shared))
            except SpecError as refusal:
                got = str(refusal)
            assert got == expected


def test_unused_outputs_are_left_out_of_the_totals_as_in_the_trace() -> None:
    spec = chain(
        {"type": "Conv2D", "name": "a", "filters": 4, "kernel_size": 3},
        {"type": "Conv2D", "name": "b", "filters": 8, "kernel_size": 3, "inputs": ["input"]},
    )
    network = parse_spec(spec)
    measured = measure_network(network, InferenceMemo())
    assert measured.total_params == trace_network(network).total_params == (27 + 1) * 8


def test_a_refusal_is_the_traces_message_and_is_never_remembered() -> None:
    network = parse_spec(chain({"type": "Conv2D", "filters": 4, "kernel_size": 40}))
    memo = InferenceMemo()
    for _ in range(2):
        with pytest.raises(SpecError) as refused:
            measure_network(network, memo)
        assert str(refused.value).startswith(
            "layers[0] ('conv2d', Conv2D) on input (32, 32, 3): the output would be empty"
        )


def test_the_memo_shares_a_layers_inference_whatever_its_name() -> None:
    memo = InferenceMemo()
    conv = {"type": "Conv2D", "filters": 4, "kernel_size": 3, "padding": "same"}
    measure_network(parse_spec(chain({**conv, "name": "a"})), memo)
    measure_network(parse_spec(chain({**conv, "name": "b"})), memo)
    assert (memo.misses, memo.hits) == (1, 1)


def test_a_bounded_memo_starts_afresh_and_stays_right() -> None:
    memo = InferenceMemo(limit=2)
    for filters in range(1, 8):
        network = parse_spec(chain({"type": "Conv2D", "filters": filters, "kernel_size": 3}))
        assert totals(measure_network(network, memo)) == totals(trace_network(network))
