"""torchvision's classification models, imported: every layer exact (the import checks each
against PyTorch), totals equal to the parameters and operations torchvision publishes for its
weights (``weights.meta``, read from the installed package). The default run imports three; the
rest run under ``-m applications`` (``make test-applications``)."""

from __future__ import annotations

from types import ModuleType

import pytest

from archplan.interop import UnsupportedLayersError
from tests.conftest import ROOT
from tests.test_examples import run_example

DEFAULT = ("resnet18", "mobilenet_v3_small", "squeezenet1_0")
OTHERS = (
    "resnet34", "resnet50", "vgg11", "vgg11_bn", "vgg16", "vgg16_bn", "mobilenet_v2",
    "mobilenet_v3_large", "efficientnet_b0", "densenet121", "regnet_y_400mf", "googlenet",
)  # fmt: skip
OPTIONS = {"googlenet": {"aux_logits": False, "init_weights": False}}


def check(name: str) -> None:
    from torchvision import models

    from archplan.pytorch.importing import import_module
    from archplan.pytorch.reading import TorchModel

    module = models.get_model(name, weights=None, **OPTIONS.get(name, {}))
    trace = import_module(TorchModel(module, name, name), input_shape=(224, 224, 3)).trace
    meta = models.get_model_weights(name).DEFAULT.meta
    assert trace.trainable_params == meta["num_params"]
    assert round((trace.total_macs or 0) / 1e9, 3) == pytest.approx(meta["_ops"], abs=1e-9)
    assert trace.output_shape == (1000,)


@pytest.mark.parametrize("name", DEFAULT)
def test_a_few_torchvision_models_import_exactly(torch: ModuleType, name: str) -> None:
    check(name)


@pytest.mark.applications
@pytest.mark.parametrize("name", OTHERS)
def test_every_torchvision_model_imports_exactly(torch: ModuleType, name: str) -> None:
    check(name)


@pytest.mark.parametrize(
    ("name", "kinds"),
    [
        ("shufflenet_v2_x1_0", ["Tensor.view", "torch.transpose", "Tensor.chunk"]),
        ("convnext_tiny", ["Tensor.permute", "torch.layer_norm", "get_attr"]),
    ],
)
def test_what_cannot_be_imported_is_named(torch: ModuleType, name: str, kinds: list[str]) -> None:
    from torchvision import models

    from archplan.pytorch.importing import import_module
    from archplan.pytorch.reading import TorchModel

    module = models.get_model(name, weights=None)
    with pytest.raises(UnsupportedLayersError) as error:
        import_module(TorchModel(module, name, name), input_shape=(224, 224, 3))
    for kind in kinds:
        assert kind in str(error.value)


@pytest.mark.applications
def test_the_torchvision_table_is_what_its_script_prints(torch: ModuleType) -> None:
    table = ROOT / "examples" / "torchvision_table.md"
    assert run_example("torchvision_table.py") == table.read_text(encoding="utf-8")
