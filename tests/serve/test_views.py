"""The page's views without a server: the text they write back, and what they refuse."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archplan.serve.views import BadRequestError, batch_size, bytes_per_value, spec_text
from tests.conftest import ROOT, SPECS

SPEC_FILES = sorted(
    path
    for path in [*SPECS.glob("*.json"), *(ROOT / "examples").glob("*.json")]
    if not path.name.endswith("schema.json") and not path.name.endswith(".plan.json")
)


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda path: path.name)
def test_spec_text_gives_back_the_same_spec_a_layer_a_line(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    text = spec_text(data)
    assert json.loads(text) == data
    assert sum(line.startswith('    {"type"') for line in text.splitlines()) == len(data["layers"])


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("", None), (1, 1), (65_536, 65_536)],
)
def test_batch_size_is_empty_or_a_whole_number(value: object, expected: int | None) -> None:
    assert batch_size(value) == expected


@pytest.mark.parametrize("value", [0, -1, 2.5, "8", True, 2**31])
def test_batch_size_refuses_anything_else(value: object) -> None:
    with pytest.raises(BadRequestError, match="batch size"):
        batch_size(value)


@pytest.mark.parametrize(("dtype", "size"), [("float16", 2), ("bfloat16", 2), ("float64", 8)])
def test_dtypes_cost_their_bytes(dtype: str, size: int) -> None:
    assert bytes_per_value(dtype) == size


def test_an_unknown_dtype_names_the_choices() -> None:
    with pytest.raises(BadRequestError, match="dtype 'int8': choose one of float16"):
        bytes_per_value("int8")


def test_the_resnet50_example_is_keras_resnet50() -> None:
    """examples/resnet50.json (imported from keras.applications.ResNet50) holds Keras' count."""
    from archplan.serve.views import parse_text

    text = (ROOT / "examples" / "resnet50.json").read_text(encoding="utf-8")
    trace = parse_text(text, "resnet50.json").trace
    assert (len(trace.layers), trace.total_params) == (176, 25_636_712)
