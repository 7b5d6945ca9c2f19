"""PyTorch as the oracle of ``export --format torch``: the script's build_model() is the trace.

For every spec in specs/ and random specs of every layer type (chains and graphs, stride, padding
and dilation corners), the exported module's layers, one child each, have the trace's output
shapes (channels first) and its trainable and non-trainable weights, as PyTorch itself reports
them (forward hooks, ``numel()``); the script passes ``ruff check``. A layer PyTorch has no
equivalent for is refused by name.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings

from archplan import SpecError, load_spec, parse_spec, trace_network
from archplan.engine.trace import Trace
from archplan.interop.torch_code import NoTorchEquivalentError, torch_layout, torch_script
from archplan.schema import Network
from tests.conftest import SPECS, chain
from tests.engine.test_graph_keras import graphs
from tests.interop.conftest import ruff_problems, script_module
from tests.keras.test_engine_matches_keras import specs as any_layer_specs

SPEC_FILES = sorted(
    path.name for path in SPECS.glob("*.json") if not path.name.endswith(".schema.json")
)


def measured_rows(trace: Trace, model: Any) -> list[tuple[Any, ...]]:
    from archplan.pytorch.measure import measure_children

    return [
        (row.output_shape, row.trainable, row.non_trainable)
        for row in measure_children(model, torch_layout(trace.input_shape))
    ]


def traced_rows(trace: Trace) -> list[tuple[Any, ...]]:
    return [
        (torch_layout(row.output_shape), row.trainable_params, row.non_trainable_params)
        for row in trace.counted
    ]


def assert_exported_is_the_trace(network: Network, folder: Path) -> str:
    """The script's model, layer by layer, as the trace has it; the script itself."""
    trace = trace_network(network)
    script = torch_script(network, trace, source="spec.json")
    model = script_module(script, folder).build_model()
    assert measured_rows(trace, model) == traced_rows(trace), script
    return script


def _exportable(name: str) -> bool:
    """Whether every layer type of the spec has a PyTorch converter (the 1-D and 3-D families and
    attention have none yet)."""
    from archplan.interop.torch_code import supported_types

    kinds = {node.layer.keras_class for node in load_spec(SPECS / name).nodes()}
    return kinds <= set(supported_types())


@pytest.mark.parametrize("name", [name for name in SPEC_FILES if _exportable(name)])
def test_every_spec_exports_as_the_same_network(
    torch: ModuleType, name: str, tmp_path: Path
) -> None:
    network = load_spec(SPECS / name)
    assert_exported_is_the_trace(network, tmp_path)
    assert ruff_problems(tmp_path / "exported.py", project_rules=False) == ""
    assert formatted(tmp_path / "exported.py")


@pytest.mark.parametrize("name", [name for name in SPEC_FILES if not _exportable(name)])
def test_a_spec_with_a_layer_the_export_lacks_is_refused_by_name(name: str) -> None:
    network = load_spec(SPECS / name)
    with pytest.raises(NoTorchEquivalentError, match=r"^spec\.json: layers\[\d+\] \('"):
        torch_script(network, trace_network(network), source="spec.json")


def formatted(path: Path) -> bool:
    """``ruff format --check`` with its defaults: the script reads as a formatter lays it out."""
    command = [sys.executable, "-m", "ruff", "format", "--isolated", "--check", str(path)]
    return subprocess.run(command, capture_output=True, check=False).returncode == 0


ALL_HELPERS = {
    "input": {"shape": [16, 16, 3]},
    "layers": [
        {"type": "Rescaling", "scale": [0.5, 1.0, 2.0], "offset": 1.0, "name": "scale"},
        {"type": "Normalization", "name": "norm"},
        {"type": "RandomFlip", "name": "flip"},
        {"type": "RandomCrop", "height": 12, "width": 12, "name": "crop"},
        {"type": "SeparableConv2D", "filters": 8, "kernel_size": 3, "strides": 2,
         "padding": "same", "depth_multiplier": 2, "activation": "relu", "name": "sep"},
        {"type": "Conv2DTranspose", "filters": 4, "kernel_size": 3, "strides": 2,
         "padding": "same", "name": "up"},
        {"type": "MaxPooling2D", "pool_size": 3, "strides": 2, "padding": "same", "name": "pool"},
        {"type": "GlobalAveragePooling2D", "name": "gap", "inputs": ["pool"]},
        {"type": "Multiply", "inputs": ["pool", "gap"], "name": "gate"},
        {"type": "Concatenate", "inputs": ["pool", "gate"], "name": "cat"},
        {"type": "LayerNormalization", "name": "ln"},
        {"type": "Flatten", "name": "flat"},
        {"type": "Dense", "units": 10, "activation": "softmax", "name": "out"},
    ],
}  # fmt: skip
"""A graph whose script defines every helper class a layer can need."""


def test_a_script_with_every_helper_is_exact_and_clean(torch: ModuleType, tmp_path: Path) -> None:
    assert_exported_is_the_trace(parse_spec(ALL_HELPERS), tmp_path)
    assert ruff_problems(tmp_path / "exported.py", project_rules=False) == ""
    assert formatted(tmp_path / "exported.py")


def test_the_script_runs_and_checks_itself(torch: ModuleType, tmp_path: Path) -> None:
    network = load_spec(SPECS / "tutorial-convnet.json")
    script = torch_script(network, trace_network(network), source="specs/tutorial-convnet.json")
    module = script_module(script, tmp_path)
    module.main()  # prints the model; asserts the output shape


EXAMPLES = int(os.environ.get("ARCHPLAN_TORCH_EXAMPLES", "40"))
"""ARCHPLAN_TORCH_EXAMPLES=400 searches harder."""
PROPERTY = settings(
    max_examples=EXAMPLES,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.filter_too_much,  # the strategies draw invalid specs too, on purpose
    ],
)


def exported_or_rejected(spec: dict[str, Any], folder: Path) -> None:
    """Check a random spec that traces; one PyTorch cannot express must be refused by name."""
    try:
        network = parse_spec(spec)
        trace_network(network)
    except SpecError:
        assume(False)
        return
    try:
        assert_exported_is_the_trace(network, folder)
    except NoTorchEquivalentError as error:
        refusal = str(error)
    else:
        return
    assert "PyTorch has no" in refusal
    assert any(f"({node.name!r}, " in refusal for node in network.nodes())
    assume(False)


SAME_STRIDE_2 = {"type": "Conv2D", "filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"}


@PROPERTY
@given(spec=any_layer_specs())
@example(chain(SAME_STRIDE_2, shape=(6, 7, 1)))
@example(chain({"type": "Conv2DTranspose", "filters": 2, "kernel_size": 2, "padding": "same"},
               shape=(5, 5, 1)))  # fmt: skip
@example(chain({"type": "Conv2DTranspose", "filters": 2, "kernel_size": 1, "strides": 3},
               shape=(4, 4, 2)))  # fmt: skip
@example(chain({"type": "Conv2DTranspose", "filters": 3, "kernel_size": 3, "strides": 2,
                "padding": "same", "output_padding": 1}, shape=(4, 5, 2)))  # fmt: skip
@example(chain({"type": "SeparableConv2D", "filters": 4, "kernel_size": 3, "depth_multiplier": 2,
                "strides": 2, "padding": "same"}, shape=(7, 8, 3)))  # fmt: skip
@example(chain({"type": "DepthwiseConv2D", "kernel_size": 3, "depth_multiplier": 3,
                "dilation_rate": 2, "padding": "same"}, shape=(9, 9, 2)))  # fmt: skip
@example(chain({"type": "Conv2D", "filters": 4, "kernel_size": 2, "groups": 2, "padding": "same"},
               shape=(5, 5, 4)))  # fmt: skip
@example(chain({"type": "MaxPooling2D", "pool_size": 3, "strides": 2, "padding": "same"},
               {"type": "AveragePooling2D", "pool_size": 2, "padding": "same"},
               {"type": "Flatten"}, {"type": "Dense", "units": 3}, shape=(8, 9, 2)))  # fmt: skip
@example(chain({"type": "Reshape", "target_shape": [4, 6]}, {"type": "Dense", "units": 2},
               {"type": "Reshape", "target_shape": [2, 2, 2]}, shape=(2, 3, 4)))  # fmt: skip
@example(chain({"type": "Rescaling", "scale": [0.5, 2.0], "offset": 1.0},
               {"type": "Normalization"}, {"type": "RandomFlip"},
               {"type": "RandomCrop", "height": 3, "width": 2}, shape=(5, 4, 2)))  # fmt: skip
def test_random_specs_of_every_layer_type_export_exactly(
    torch: ModuleType, tmp_path_factory: pytest.TempPathFactory, spec: dict[str, Any]
) -> None:
    exported_or_rejected(spec, tmp_path_factory.mktemp("spec"))


@PROPERTY
@given(spec=graphs())
def test_random_graphs_export_exactly(
    torch: ModuleType, tmp_path_factory: pytest.TempPathFactory, spec: dict[str, Any]
) -> None:
    exported_or_rejected(spec, tmp_path_factory.mktemp("graph"))


@pytest.mark.parametrize(
    ("layer", "shape", "refused"),
    [
        ({"type": "RandomRotation", "factor": 0.1}, (8, 8, 3), "RandomRotation"),
        ({"type": "Activation", "activation": "exponential"}, (4,), "activation='exponential'"),
        ({"type": "BatchNormalization", "scale": False}, (4, 4, 2), "center=True with scale"),
        ({"type": "Dropout", "rate": 0.5, "noise_shape": [None, 1, 3]}, (4, 3), "noise_shape"),
    ],
)
def test_a_layer_without_a_torch_equivalent_is_refused_by_name(
    layer: dict[str, Any], shape: tuple[int, ...], refused: str
) -> None:
    network = parse_spec(chain({**layer, "name": "odd"}, shape=shape))
    with pytest.raises(NoTorchEquivalentError) as error:
        torch_script(network, trace_network(network), source="spec.json")
    assert "layers[0] ('odd', " in str(error.value)
    assert refused in str(error.value)


def test_a_frozen_layer_exports_with_its_parameters_frozen(
    torch: ModuleType, tmp_path: Path
) -> None:
    network = parse_spec(
        {
            "input": {"shape": [16, 16, 3]},
            "layers": [
                {"type": "Conv2D", "filters": 8, "kernel_size": 3, "trainable": False},
                {"type": "BatchNormalization", "trainable": False},
                {"type": "GlobalAveragePooling2D"},
                {"type": "Dense", "units": 10, "activation": "softmax"},
            ],
        }
    )
    script = assert_exported_is_the_trace(network, tmp_path)
    assert script.count("frozen(") == 3  # the helper's definition and the two frozen layers
    assert ruff_problems(tmp_path / "exported.py", project_rules=False) == ""
    assert formatted(tmp_path / "exported.py")
