"""Keras Applications as archplan plans them: parameters, MACs, receptive field, training memory.

Each application is built with ``weights=None`` (nothing is downloaded), its configuration handed to
archplan's import (``archplan import``, which never imports Keras), and its trace summed up in one
Markdown row, beside the MACs its paper gives. The output is checked in as
``examples/keras_applications_table.md`` and quoted in docs/interop.md.

Run it from the repository root, with the keras extra installed (about 3 minutes on a 2-core CPU):

    python examples/keras_applications_table.py > examples/keras_applications_table.md
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from types import ModuleType

from archplan.engine.memory import estimate_memory
from archplan.engine.trace import Trace
from archplan.interop import import_model
from archplan.rules.sizes import readable_size

APPLICATIONS = (
    "VGG16", "VGG19", "ResNet50", "ResNet101", "ResNet152", "ResNet50V2", "ResNet101V2",
    "ResNet152V2", "MobileNet", "MobileNetV2", "MobileNetV3Small", "MobileNetV3Large",
    "DenseNet121", "DenseNet169", "DenseNet201", "Xception", "InceptionV3",
    *(f"EfficientNetB{index}" for index in range(8)),
    *(f"EfficientNetV2B{index}" for index in range(4)), "EfficientNetV2S", "EfficientNetV2M",
    "EfficientNetV2L", "NASNetMobile", "NASNetLarge", "InceptionResNetV2",
    "ConvNeXtTiny", "ConvNeXtSmall", "ConvNeXtBase", "ConvNeXtLarge", "ConvNeXtXLarge",
)  # fmt: skip
OPEN_INPUTS = {"MobileNetV3Small": (224, 224, 3), "MobileNetV3Large": (224, 224, 3)}
"""Applications whose default input leaves its size open: built at this size."""
BATCH = 32

PUBLISHED = {
    "VGG16": "15.3–15.5 G [1, 2]", "VGG19": "19.6 G [1]",
    "ResNet50": "3.8–4.1 G [1]", "ResNet101": "7.6 G [1]", "ResNet152": "11.3 G [1]",
    "MobileNet": "569 M [2]", "MobileNetV2": "300 M [3]",
    "MobileNetV3Small": "56 M [4]", "MobileNetV3Large": "219 M [4]",
    "EfficientNetB0": "390 M [5]", "EfficientNetB1": "700 M [5]", "EfficientNetB2": "1.0 G [5]",
    "EfficientNetB3": "1.8 G [5]", "EfficientNetB4": "4.2 G [5]", "EfficientNetB5": "9.9 G [5]",
    "EfficientNetB6": "19 G [5]", "EfficientNetB7": "37 G [5]",
    "NASNetMobile": "564 M [6]", "NASNetLarge": "23.8 G [6]",
    "ConvNeXtTiny": "4.5 G [7]", "ConvNeXtSmall": "8.7 G [7]", "ConvNeXtBase": "15.4 G [7]",
    "ConvNeXtLarge": "34.4 G [7]", "ConvNeXtXLarge": "60.9 G [7]",
}  # fmt: skip
"""Multiply-accumulates per image as the papers give them (they call them FLOPs or mult-adds)."""
SOURCES = (
    "[1] He et al. 2016, Deep Residual Learning for Image Recognition, Table 1 and §4.1 (VGG-16: "
    "15.3 G; 15.5 G is also often quoted; ResNet-50: 3.8 G, quoted up to 4.1 G)",
    "[2] Howard et al. 2017, MobileNets, Table 8",
    "[3] Sandler et al. 2018, MobileNetV2, §6.1",
    "[4] Howard et al. 2019, Searching for MobileNetV3, Table 3",
    "[5] Tan and Le 2019, EfficientNet, Table 2",
    "[6] Zoph et al. 2018, Learning Transferable Architectures for Scalable Image Recognition, "
    "Table 2",
    "[7] Liu et al. 2022, A ConvNet for the 2020s, Tables 1 and 2 (at 224×224)",
)


def main() -> None:
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    with tempfile.TemporaryDirectory() as folder:
        rows = [row(name, import_model(config_file(keras, name, Path(folder))).trace)
                for name in APPLICATIONS]  # fmt: skip
    print("| Network | Input | Parameters | MACs | Published MACs | Receptive field "
          f"| Training memory, batch {BATCH} |")  # fmt: skip
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    print("\n".join(rows))
    print()
    print(
        f"Training memory: float32, batch {BATCH}, Keras' default optimizer (RMSprop, one slot "
        "per weight). Receptive field: of the last layer that still has more than one position, "
        "not clipped to the image; whole (SE): from the first squeeze-and-excitation block on "
        "(a channel gate computed from a global average) every unit depends on the whole image."
    )
    print()
    print(
        "Layers of the applications' own, read from their configuration by class name: "
        "ConvNeXt's LayerScale (a learnt scale per channel) as a 1×1 DepthwiseConv2D without "
        "bias, its StochasticDepth as Dropout with one draw per sample, and InceptionResNetV2's "
        "CustomScaleLayer (x + scale·r) as a Rescaling of r and an Add."
    )
    print()
    print("\n".join(f"{source}  " for source in SOURCES).rstrip())


def config_file(keras: ModuleType, name: str, folder: Path) -> Path:
    """The application's configuration (``model.to_json()``), built without weights."""
    keras.backend.clear_session()
    shape = OPEN_INPUTS.get(name)
    build = getattr(keras.applications, name)
    model = build(weights=None, **({"input_shape": shape} if shape else {}))
    path = folder / f"{name}.json"
    path.write_text(model.to_json(), encoding="utf-8")
    return path


def row(name: str, trace: Trace) -> str:
    memory = estimate_memory(trace, batch_size=BATCH)
    cells = [
        name,
        "×".join(map(str, trace.input_shape)),
        f"{trace.total_params:,}",
        macs(trace.total_macs or 0),
        PUBLISHED.get(name, "–"),
        receptive_field(trace),
        readable_size(memory.training_bytes),
    ]
    return "| " + " | ".join(cells) + " |"


def receptive_field(trace: Trace) -> str:
    """The field of the last layer with a spatial layout (more than one position), in pixels;
    ``whole (SE)`` where a squeeze-and-excitation gate made it depend on the whole image."""
    spatial = [
        row for row in trace.counted
        if len(row.output_shape) == 3 and row.output_shape[0] * row.output_shape[1] > 1
    ]  # fmt: skip
    field = spatial[-1].field if spatial else None
    if field is None:
        return "–"
    if field.whole:
        return "whole (SE)"
    return "×".join(f"{side:g}" for side in dict.fromkeys(field.size)) + " px"


def macs(count: int) -> str:
    return f"{count / 1e9:.2f} G" if count >= 1e9 else f"{count / 1e6:.1f} M"


if __name__ == "__main__":
    main()
