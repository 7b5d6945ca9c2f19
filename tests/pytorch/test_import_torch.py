"""PyTorch as the oracle of ``import FILE.py:CALLABLE``.

Every imported layer's output shape and weights are checked, inside the import, against what
PyTorch recorded (forward hooks' shapes, ``numel()`` per module); these tests give it models to
read: specs exported to PyTorch and read back (the same network: totals, output, and each layer's
shape), hand-written modules, and the ways a model can be refused (one line, exit 2, nothing
written).
"""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from archplan import SpecError, load_spec, parse_spec, trace_network
from archplan.cli import app
from archplan.errors import ArchplanError
from archplan.interop import UnsupportedLayersError
from archplan.interop.torch_code import NoTorchEquivalentError, torch_script
from archplan.schema import Network
from tests.conftest import SPECS, chain
from tests.engine.test_properties import conv_layers, other_layers
from tests.pytorch.test_export_torch import _exportable

SPEC_FILES = sorted(
    path.name for path in SPECS.glob("*.json") if not path.name.endswith(".schema.json")
)


def import_file(path: Path, shape: tuple[int, ...], **options: Any) -> Any:
    from archplan.pytorch.importing import import_torch

    return import_torch(f"{path}:build_model", input_shape=shape, **options)


def layers_of(network: Network) -> list[tuple[Any, ...]]:
    """Each layer as a spec writes it: name, type, the arguments that differ from the defaults,
    what it takes; ReLU() and Activation("relu") as one, and "same" as "valid" where it pads
    nothing."""
    from archplan.interop.arguments import given_arguments
    from archplan.pytorch.fusing import pads_as_same

    shapes = {row.name: row.input_shape for row in trace_network(network).layers}
    rows = []
    for node in network.nodes():
        kind, arguments = node.layer.keras_class, given_arguments(node.layer)
        if (kind, arguments) == ("ReLU", {}):  # nn.ReLU is both; the import says ReLU
            kind, arguments = "Activation", {"activation": "relu"}
        unpadded = ((0, 0), (0, 0))
        if arguments.get("padding") == "same" and pads_as_same(
            arguments, unpadded, shapes[node.name]
        ):
            del arguments["padding"]  # "same" that pads nothing is "valid"
        rows.append((node.name, kind, arguments, node.inputs))
    return rows


def assert_round_trip(network: Network, folder: Path) -> None:
    """Spec → PyTorch script → import: the same totals and output, and every spec layer's output
    shape on the imported layer of its name (or the last of ``name.0``, ``name.1``, ... where the
    script made it an nn.Sequential)."""
    trace = trace_network(network)
    script = folder / "exported.py"
    script.write_text(torch_script(network, trace, source="spec.json"), encoding="utf-8")
    imported = import_file(script, network.input_shape)
    back = imported.trace
    if not any(node.layer.keras_class in NOT_FUSED for node in network.nodes()):
        assert layers_of(imported.network) == layers_of(network)  # the same spec
    assert (back.trainable_params, back.non_trainable_params) == (
        trace.trainable_params,
        trace.non_trainable_params,
    )
    assert (back.output_shape, back.total_macs) == (trace.output_shape, trace.total_macs)
    shapes = {row.name: row.output_shape for row in back.layers}
    for row in trace.counted:
        parts = sorted(
            (name for name in shapes if name.startswith(f"{row.name}.")),
            key=lambda name: int(name.rsplit(".", 1)[1].split("_")[0]),
        )
        assert shapes.get(row.name, shapes[parts[-1]] if parts else None) == row.output_shape


NOT_FUSED = frozenset({"Conv2DTranspose", "Reshape"})
"""Layers the export writes as several modules that read back as several layers (a transposed
convolution and its trim, a Reshape's flatten and unflatten): the same shapes and weights."""
ROUND_TRIP_SPECS = [  # the export writes no script for specs of the 1-D and 3-D families yet
    name for name in SPEC_FILES if name != "cifar10-fast.json" and _exportable(name)
]
"""cifar10-fast.json's input Rescaling, Normalization and RandomFlip are the script's own
classes, with constants the graph holds as tensors: the import lists them (tested below)."""


@pytest.mark.parametrize("name", ROUND_TRIP_SPECS)
def test_every_spec_comes_back_from_pytorch(torch: ModuleType, name: str, tmp_path: Path) -> None:
    assert_round_trip(load_spec(SPECS / name), tmp_path)


EXAMPLES = int(os.environ.get("ARCHPLAN_TORCH_EXAMPLES", "25"))


@settings(
    max_examples=EXAMPLES,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    shape=st.tuples(st.integers(4, 24), st.integers(4, 24), st.integers(1, 4)),
    layers=st.lists(st.one_of(conv_layers(), other_layers()), min_size=1, max_size=6),
)
def test_random_chains_come_back_from_pytorch(
    torch: ModuleType,
    tmp_path_factory: pytest.TempPathFactory,
    shape: tuple[int, int, int],
    layers: list[dict[str, Any]],
) -> None:
    try:
        network = parse_spec(chain(*layers, shape=shape))
        trace_network(network)
        torch_script(network, trace_network(network), source="spec.json")
    except (SpecError, NoTorchEquivalentError):
        assume(False)
        return
    assert_round_trip(network, tmp_path_factory.mktemp("chain"))


def write(folder: Path, body: str, name: str = "model.py") -> Path:
    path = folder / name
    path.write_text("import torch\nfrom torch import nn\n\n" + body, encoding="utf-8")
    return path


BLOCK = """
class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(8)
        self.skip = nn.Conv2d(3, 8, 1, stride=2)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        y = torch.relu(self.bn(self.conv(x))) + self.skip(x)
        y = torch.cat([y, y * 0.5], dim=1)
        return self.fc(torch.flatten(self.pool(y), 1))


def build_model():
    return Block()
"""


def test_a_hand_written_module_is_read_with_its_own_names(
    torch: ModuleType, tmp_path: Path
) -> None:
    imported = import_file(write(tmp_path, BLOCK), (9, 9, 3))
    rows = {row.name: row for row in imported.trace.layers}
    assert rows["conv"].output_shape == (5, 5, 8)
    assert rows["conv"].arguments.startswith("8 filters, 3×3, same, stride 2×2")  # as Keras pads
    assert rows["bn"].non_trainable_params == 16  # running mean and variance
    assert rows["cat"].output_shape == (5, 5, 16)
    assert rows["fc"].output_shape == (10,)
    assert imported.trace.trainable_params == 3 * 3 * 3 * 8 + 16 + (3 + 1) * 8 + (16 + 1) * 10
    assert list(rows) == [
        "conv",
        "bn",
        "relu",
        "skip",
        "add",
        "mul",
        "cat",
        "pool",
        "flatten",
        "fc",
    ]


def test_padding_keras_would_place_otherwise_is_explicit(torch: ModuleType, tmp_path: Path) -> None:
    """On 8 rows, Keras' 'same' with stride 2 pads 0 above and 1 below; PyTorch's padding=1
    pads 1 on both sides: a ZeroPadding2D of (1, 1), then a 'valid' convolution."""
    imported = import_file(write(tmp_path, BLOCK), (8, 8, 3))
    rows = {row.name: row for row in imported.trace.layers}
    assert rows["conv_zeropadding2d"].arguments == "top 1, bottom 1, left 1, right 1"
    assert rows["conv"].output_shape == (4, 4, 8)


UNSUPPORTED = """
class Shuffle(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 1)
        self.norm = nn.GroupNorm(2, 4)
        self.head = nn.Conv2d(4, 2, 1)

    def forward(self, x):
        x = self.norm(self.conv(x))
        x = x.transpose(2, 3)
        return self.head(self.norm2(x)) if False else self.head(x)


def build_model():
    return Shuffle()
"""


def test_what_archplan_cannot_express_is_listed_by_op_and_count(
    torch: ModuleType, tmp_path: Path
) -> None:
    path = write(tmp_path, UNSUPPORTED)
    with pytest.raises(UnsupportedLayersError) as error:
        import_file(path, (6, 6, 4))
    message = str(error.value)
    assert "2 kinds of layer archplan does not model yet: nn.GroupNorm ×1 (norm); " in message
    assert "Tensor.transpose ×1 (transpose)" in message
    assert "--partial imports the model up to the first of them (norm)" in message
    cut = import_file(path, (6, 6, 4), partial=True)
    assert [row.name for row in cut.trace.layers] == ["conv"]
    assert cut.cut is not None
    assert "cut before norm (nn.GroupNorm)" in cut.cut


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("build_model = 3\n", "defines no callable 'build_model'"),
        ("def build_model():\n    raise ValueError('no weights here')\n",
         "running it raised ValueError: no weights here"),
        ("def build_model():\n    return 'a model'\n", "returned str, not a torch.nn.Module"),
        ("class M(nn.Module):\n    def forward(self, batch):\n        return batch['image']\n\n"
         "def build_model():\n    return M()\n", "its forward takes a dict"),
        ("class M(nn.Module):\n    def forward(self, x):\n        if x.sum() > 0:\n"
         "            return x\n        return -x\n\ndef build_model():\n    return M()\n",
         "torch.fx cannot trace its forward"),
        ("def build_model():\n    return nn.Conv2d(5, 2, 3)\n",
         "a forward pass on a batch of shape (1, 3, 8, 8) failed"),
    ],
)  # fmt: skip
def test_bad_models_are_refused_in_one_line(
    torch: ModuleType, tmp_path: Path, body: str, message: str
) -> None:
    path = write(tmp_path, body)
    with pytest.raises(ArchplanError) as error:
        import_file(path, (8, 8, 3))
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_the_cli_refuses_in_one_line_and_writes_nothing(torch: ModuleType, tmp_path: Path) -> None:
    runner = CliRunner()
    model = write(tmp_path, "def build_model():\n    raise RuntimeError('boom')\n")
    output = tmp_path / "spec.json"
    cases = [
        ([f"{model}:build_model", "-o", str(output)], "--input-shape"),
        ([f"{model}:build_model", "--input-shape", "8,8,3", "-o", str(output)], "boom"),
        ([f"{tmp_path}/missing.py:build_model", "--input-shape", "8,8,3"], "no such file"),
        ([f"{tmp_path}/notes.txt:build", "--input-shape", "8,8,3"], "no such file"),
    ]
    for arguments, expected in cases:
        result = runner.invoke(app, ["import", *arguments])
        assert result.exit_code == 2, result.output
        assert expected in result.output
        assert len(result.output.strip().splitlines()) == 1, result.output
    assert not output.exists()


def test_the_cli_writes_the_spec_and_says_so(torch: ModuleType, tmp_path: Path) -> None:
    output = tmp_path / "spec.json"
    model = write(tmp_path, BLOCK)
    result = CliRunner().invoke(
        app, ["import", f"{model}:build_model", "--input-shape", "9,9,3", "-o", str(output)]
    )
    assert result.exit_code == 0, result.output
    assert f"wrote {output}: model, 10 layers, 450 parameters, 6,160 MACs" in result.output
    assert load_spec(output).input_shape == (9, 9, 3)


def save_program(torch: ModuleType, module: Any, shape: tuple[int, ...], path: Path) -> Path:
    program = torch.export.export(module.eval(), (torch.zeros(1, *shape),))
    torch.export.save(program, str(path))
    return path


def test_a_saved_program_imports_as_its_module_does(torch: ModuleType, tmp_path: Path) -> None:
    """A .pt2 program holds its shapes and weights: read without running the model's code, the
    same layers (names from the modules they were called in), shapes and weights."""
    from archplan.pytorch.importing import import_program

    path = write(tmp_path, BLOCK)
    from_file = import_file(path, (9, 9, 3)).trace
    namespace: dict[str, Any] = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    program = save_program(torch, namespace["build_model"](), (3, 9, 9), tmp_path / "m.pt2")
    from_program = import_program(program, input_shape=None).trace
    assert [(row.type, row.output_shape, row.params) for row in from_program.layers] == [
        (row.type, row.output_shape, row.params) for row in from_file.layers
    ]
    assert [row.name for row in from_program.layers][:2] == ["conv", "bn"]


def test_a_program_is_refused_at_another_size_or_when_it_is_not_one(
    torch: ModuleType, tmp_path: Path
) -> None:
    program = save_program(torch, torch.nn.Conv2d(3, 4, 3), (3, 8, 8), tmp_path / "m.pt2")
    runner = CliRunner()
    result = runner.invoke(app, ["import", str(program), "--input-shape", "16,16,3"])
    assert result.exit_code == 2
    assert "the program was exported for an input of (8, 8, 3)" in result.output
    (tmp_path / "fake.pt2").write_text("not a program", encoding="utf-8")
    result = runner.invoke(app, ["import", str(tmp_path / "fake.pt2")])
    assert result.exit_code == 2
    assert "not a program torch.export.save wrote" in result.output
    assert len(result.output.strip().splitlines()) == 1
