"""torchvision's classification models as archplan plans them: parameters, MACs, receptive field.

Each model is built with ``weights=None`` (nothing is downloaded) and read by archplan's PyTorch
import (torch.fx, one forward pass on zeros), which checks every layer's output shape and weights
against PyTorch's own; its trace is summed up in one Markdown row, beside the parameters and
operations torchvision publishes for its ImageNet weights (``weights.meta``: read from the
installed package, nothing downloaded) and the paper's figure. The output is checked in as
``examples/torchvision_table.md`` and quoted in docs/pytorch.md.

Run it from the repository root, with the torch extra installed (about 2 minutes on a 2-core CPU):

    python examples/torchvision_table.py > examples/torchvision_table.md
"""

from __future__ import annotations

import re
from typing import Any

from archplan.engine.trace import Trace
from archplan.interop import UnsupportedLayersError

MODELS = (
    "resnet18", "resnet34", "resnet50", "vgg11", "vgg11_bn", "vgg16", "vgg16_bn", "mobilenet_v2",
    "mobilenet_v3_small", "mobilenet_v3_large", "efficientnet_b0", "densenet121",
    "regnet_y_400mf", "squeezenet1_0", "googlenet",
)  # fmt: skip
LEFT_OUT = ("shufflenet_v2_x1_0", "convnext_tiny")
OPTIONS: dict[str, dict[str, Any]] = {"googlenet": {"aux_logits": False, "init_weights": False}}
"""googlenet's auxiliary classifiers only run while training: left out, as its weights are."""
SHAPE = (224, 224, 3)

PAPERS = {
    "resnet": "[1]", "vgg": "[2]", "mobilenet_v2": "[3]", "mobilenet_v3": "[4]",
    "efficientnet": "[5]", "regnet": "[6]", "googlenet": "[7]",
}  # fmt: skip
PUBLISHED_MACS = {
    "resnet18": "1.8 G", "resnet34": "3.6 G", "resnet50": "3.8 G", "vgg16": "15.3 G",
    "vgg16_bn": "15.3 G", "mobilenet_v2": "300 M", "mobilenet_v3_small": "56 M",
    "mobilenet_v3_large": "219 M", "efficientnet_b0": "390 M", "regnet_y_400mf": "400 M",
    "googlenet": "1.5 G",
}  # fmt: skip
"""Multiply-accumulates per image as the papers give them (they call them FLOPs or mult-adds)."""
SOURCES = (
    "[1] He et al. 2016, Deep Residual Learning for Image Recognition, Table 1",
    "[2] Simonyan and Zisserman 2015, Very Deep Convolutional Networks; MACs from [1], §4.1",
    "[3] Sandler et al. 2018, MobileNetV2, Table 4",
    "[4] Howard et al. 2019, Searching for MobileNetV3, Table 3",
    "[5] Tan and Le 2019, EfficientNet, Table 2",
    "[6] Radosavovic et al. 2020, Designing Network Design Spaces (RegNetY-400MF)",
    "[7] Szegedy et al. 2015, Going Deeper with Convolutions, §1 (1.5 billion multiply-adds)",
    "[tv] torchvision's weights.meta (num_params, _ops in GFLOPs, which count MACs)",
)


def imported(name: str) -> Trace:
    from torchvision import models

    from archplan.pytorch.importing import import_module
    from archplan.pytorch.reading import TorchModel

    module = models.get_model(name, weights=None, **OPTIONS.get(name, {}))
    return import_module(TorchModel(module, f"torchvision {name}", name), input_shape=SHAPE).trace


def published(name: str) -> tuple[int, float]:
    """torchvision's own figures for its ImageNet weights: parameters and GMACs."""
    from torchvision import models

    meta = models.get_model_weights(name).DEFAULT.meta
    return int(meta["num_params"]), float(meta["_ops"])


def paper(name: str) -> str:
    return next((mark for prefix, mark in PAPERS.items() if name.startswith(prefix)), "")


def row(name: str, trace: Trace) -> str:
    params, gmacs = published(name)
    macs = trace.total_macs or 0
    cells = [
        name,
        f"{trace.trainable_params:,}",
        f"{params:,}",
        f"{trace.non_trainable_params:,}",
        f"{macs / 1e9:.3f} G",
        f"{gmacs:.3f} G",
        f"{PUBLISHED_MACS[name]} {paper(name)}" if name in PUBLISHED_MACS else "–",
    ]
    return "| " + " | ".join(cells) + " |"


def refusal(name: str) -> str:
    try:
        imported(name)
    except UnsupportedLayersError as error:
        message = str(error).split(": ", 1)[1]
        head, kinds = message.split(": ", 1)
        listed = [re.sub(r" \([^()]*\)$", "", kind) for kind in kinds.split("; ")[:-1]]
        shown = ", ".join(listed[:4]) + (f" and {len(listed) - 4} more" if len(listed) > 4 else "")
        return f"{head}: {shown}"
    raise AssertionError(f"{name} imports: move it to MODELS")


def main() -> None:
    print(
        "| Model | Parameters | torchvision [tv] | Buffers (BN statistics) | MACs "
        "| torchvision [tv] | Paper |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    print("\n".join(row(name, imported(name)) for name in MODELS))
    print()
    print(
        "Input 224×224×3 (given to PyTorch as (1, 3, 224, 224)). Parameters: trainable, as "
        "torchvision counts them; archplan's trace also counts BatchNorm's running mean and "
        "variance, as Keras does (its non-trainable weights)."
    )
    print()
    print("Left out, each for an operation archplan cannot express:")
    print()
    print("\n".join(f"- {name}: `{refusal(name)}`" for name in LEFT_OUT))
    print()
    print("\n".join(f"{source}  " for source in SOURCES).rstrip())


if __name__ == "__main__":
    main()
