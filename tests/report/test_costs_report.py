"""The costs in the ``--json`` record, the trace table, the comparison and the diagram's source."""

from __future__ import annotations

import json

import pytest
from rich.console import Console

from archplan import load_spec, parse_spec, trace_network
from archplan.engine.summary import summarize
from archplan.engine.trace import LayerTrace, Trace
from archplan.report.compare import ROWS, best, compare_record, compare_table, compared
from archplan.report.data import one_or_list, trace_record
from archplan.report.tables import field_cell, trace_table
from archplan.rules.sizes import compact
from tests.conftest import SPECS, chain

OLD_KEYS = {
    "name", "input_shape", "output_shape", "layers", "total_params", "trainable_params",
    "non_trainable_params", "total_params_bytes", "trainable_params_bytes", "non_trainable_params_bytes",
}  # fmt: skip
OLD_LAYER_KEYS = {
    "index", "name", "type", "arguments", "input_shape", "output_shape", "params",
    "trainable_params", "non_trainable_params", "param_formula", "arithmetic",
}  # fmt: skip


def traced(name: str) -> Trace:
    return trace_network(load_spec(SPECS / f"{name}.json"))


def render(renderable: object, width: int = 200) -> str:
    console = Console(width=width, record=True, color_system=None, force_terminal=False)
    console.print(renderable)
    return console.export_text()


def test_record_keeps_every_old_key_and_adds_the_costs() -> None:
    record = trace_record(summarize(traced("tutorial-convnet")))
    assert set(record) == OLD_KEYS | {
        "total_macs",
        "total_flops",
        "total_other_ops",
        "memory",
        "warnings",
    }
    assert set(record["layers"][0]) == OLD_LAYER_KEYS | {
        "macs", "flops", "other_ops", "receptive_field", "jump", "start", "activations", "activation_bytes",
        "inputs", "input_shapes", "reaches_output",
    }  # fmt: skip
    assert (record["total_macs"], record["total_flops"]) == (47_596_160, 95_192_320)
    assert record["total_macs"] == sum(row["macs"] for row in record["layers"])
    assert record["total_flops"] == sum(row["flops"] for row in record["layers"])
    assert record["total_other_ops"] == sum(row["other_ops"] for row in record["layers"])
    json.dumps(record)  # plain JSON data


def test_record_memory_object() -> None:
    record = trace_record(summarize(traced("tutorial-convnet"), bytes_per_value=2, batch_size=4))
    memory = record["memory"]
    assert memory["activation_bytes_per_sample"] == sum(
        r["activation_bytes"] for r in record["layers"]
    )
    assert memory == {
        "bytes_per_value": 2,
        "batch_size": 4,
        "input_bytes_per_sample": 3072 * 2,
        "activation_bytes_per_sample": 169_546 * 2,
        "activation_bytes_per_batch": 169_546 * 2 * 4,
        "params_bytes": 631_658 * 2,
        "training": {
            "optimizer": "SGD",
            "optimizer_slots": 1,
            "params_bytes": 631_658 * 2,
            "gradients_bytes": 631_658 * 2,
            "optimizer_bytes": 631_658 * 2,
            "input_bytes": 3072 * 2 * 4,
            "activation_bytes": 169_546 * 2 * 4,
            "total_bytes": 3 * 631_658 * 2 + (3072 + 169_546) * 2 * 4,
        },
    }


def test_record_fields_per_axis() -> None:
    rows = trace_record(summarize(traced("tutorial-dimensioning")))["layers"]
    assert [(r["receptive_field"], r["jump"], r["start"]) for r in rows] == [
        (5, 1, 2.0), (6, 2, 2.5), (10, 2, 2.5), (12, 4, 3.5), (20, 4, 7.5),
        (32, None, None), (32, None, None), (32, None, None),
    ]  # fmt: skip
    uneven = trace_network(
        parse_spec(chain({"type": "Conv2D", "filters": 1, "kernel_size": [3, 5]}))
    )
    row = trace_record(summarize(uneven))["layers"][0]
    assert (row["receptive_field"], row["jump"], row["start"]) == ([3, 5], 1, [1.0, 2.0])
    assert one_or_list(()) is None


def test_unknown_costs_are_null_and_question_marks() -> None:
    known = traced("tutorial-dimensioning")
    unknown = LayerTrace(**{**vars(known.layers[0]), "macs": None, "field": None})
    trace = Trace(known.name, known.input_shape, (unknown, *known.layers[1:]))
    record = trace_record(summarize(trace))
    assert (record["total_macs"], record["total_flops"]) == (None, None)
    assert (record["layers"][0]["macs"], record["layers"][0]["receptive_field"]) == (None, None)
    text = render(trace_table(summarize(trace)))
    assert "unknown (a layer type has no cost rule)" in text
    assert (compact(None), field_cell(None)) == ("?", "?")


@pytest.mark.parametrize(
    ("count", "text"),
    [(0, "0"), (640, "640"), (9_999, "9,999"), (32_768, "32.8K"), (524_288, "524K"),
     (999_600, "1M"), (1_769_472, "1.77M"), (47_596_160, "47.6M"), (2_000_000_000, "2G"),
     (5 * 10**12, "5,000G")],
)  # fmt: skip
def test_compact_counts(count: int, text: str) -> None:
    assert compact(count) == text


def test_trace_table_shows_macs_fields_and_memory() -> None:
    text = render(trace_table(summarize(traced("tutorial-convnet"), batch_size=8)))
    assert "MACs" in text
    assert "RF (jump)" in text
    assert "37.7M" in text
    assert "14 (2)" in text
    assert "all 32" in text
    assert "Total params:         631,658 (2.41 MB)" in text
    assert "MACs:                 47,596,160; FLOPs (2·MACs): 95,192,320" in text
    assert "Other ops:            355,476 (bias adds, activations, pooling, normalisation" in text
    assert "Activations:          662.29 KB per sample, 5.17 MB per batch of 8" in text
    # 3·2,526,632 + 8·(12,288 + 678,184) = 13,103,672 bytes
    assert "Training memory:      12.50 MB (estimate, batch of 8) = params 2.41 MB" in text


def test_compare_marks_the_best_of_each_ranked_row() -> None:
    networks = compared(
        [
            ("a.json", summarize(traced("tutorial-convnet"))),
            ("b.json", summarize(traced("tutorial-dimensioning"))),
        ]
    )
    winners = {row.key: best(row, networks) for row in ROWS}
    assert winners == {
        "params": {1}, "macs": {1}, "activation_bytes_per_sample": {1}, "training_bytes": {1},
        "output_shape": set(), "receptive_field": {0}, "depth": set(),
    }  # fmt: skip
    record = compare_record(networks)
    first, second = record["networks"]
    assert (first["name"], first["spec"], first["receptive_field"], first["depth"]) == (
        "tutorial-convnet",
        "a.json",
        32,
        9,
    )
    assert first["best_in"] == ["receptive_field"]
    assert second["best_in"] == ["params", "macs", "activation_bytes_per_sample", "training_bytes"]
    assert (second["macs"], second["output_shape"], second["receptive_field"]) == (
        1_179_292,
        [10],
        20,
    )
    assert record["ranked"]["receptive_field"] == "max"
    text = render(compare_table(networks))
    assert "★ 8,228" in text
    assert "★ 32" in text
    assert "631,658" in text


def test_compare_ties_and_clashing_names() -> None:
    same = traced("tutorial-dimensioning")
    networks = compared(
        [(name, summarize(same, batch_size=1)) for name in ("x/a.json", "y/a.json")]
    )
    assert [n.label for n in networks] == ["x/a.json", "y/a.json"]
    assert all(best(row, networks) == ({0, 1} if row.rank else set()) for row in ROWS)
    assert "Training memory at batch size 1." in render(compare_table(networks))


def test_diagram_source_names_every_layer() -> None:
    pytest.importorskip("graphviz")
    from archplan.report.diagram import network_graph

    source = network_graph(traced("tutorial-dimensioning")).source
    for text in ("conv2d_2", "(Conv2D)", "16 filters, 5×5, valid, relu", "(5, 5, 4) → (100,)",
                 "(InputLayer)", "(32, 32, 3)", "input -> layer0", "layer6 -> layer7"):  # fmt: skip
        assert text in source
    assert "dpi" not in source


def test_diagram_escapes_markup() -> None:
    pytest.importorskip("graphviz")
    from archplan.report.diagram import network_graph

    spec = chain({"type": "Dense", "units": 2, "name": "a<b>&c"}, shape=(4,))
    source = network_graph(trace_network(parse_spec(spec))).source
    assert "a&lt;b&gt;&amp;c" in source
