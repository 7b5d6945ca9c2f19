"""``archplan import model.py:build_model``: a PyTorch model as a spec, checked against PyTorch.

The file is run and the callable called (as any PyTorch tool must, to have the model); its graph
is read by torch.fx (:mod:`archplan.pytorch.reading`) and turned into a spec by the same import
that reads Keras models. Every imported layer's output shape and weights are compared with what
PyTorch recorded on one forward pass on zeros: the spec is only returned when all agree.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from archplan.errors import ArchplanError
from archplan.interop.importing import Imported, import_graph
from archplan.pytorch.measure import weights
from archplan.pytorch.reading import TorchModel, load_callable, read_graph
from archplan.rules.shapes import Shape


def import_torch(reference: str, *, input_shape: Shape | None, partial: bool = False) -> Imported:
    """The spec of the module ``reference`` (``FILE.py:CALLABLE``) returns, traced at
    ``input_shape`` (archplan's channels-last shape, the model is given ``(1, C, H, W)``)."""
    if input_shape is None:
        raise ArchplanError(
            f"{reference}: a PyTorch module does not say what size of input it takes; give it "
            "channels last, e.g. --input-shape 224,224,3 (the model is given (1, 3, 224, 224))"
        )
    return import_module(load_callable(reference), input_shape=input_shape, partial=partial)


def import_program(path: Path, *, input_shape: Shape | None, partial: bool = False) -> Imported:
    """The spec of a saved ``torch.export`` program (its own input shape, unless given)."""
    from archplan.pytorch.program import read_program

    graph, params, read_notes = read_program(path, input_shape)
    imported = import_graph(
        graph,
        source=str(path),
        description=f"Imported from {path.name} (a torch.export program)",
        partial=partial,
        framework="PyTorch",
        recorded_params=params,
    )
    return replace(imported, notes=(*imported.notes, *read_notes))


def import_module(model: TorchModel, *, input_shape: Shape, partial: bool = False) -> Imported:
    """The spec of a module already built (torchvision's, a test's), traced at ``input_shape``."""
    graph, params, read_notes = read_graph(model, input_shape)
    imported = import_graph(
        graph,
        source=model.source,
        description=f"Imported from {model.source} (PyTorch)",
        partial=partial,
        input_shape=input_shape,
        framework="PyTorch",
        recorded_params=params,
    )
    notes = [*imported.notes, *read_notes]
    total = sum(weights(model.module))
    if imported.cut is None and total != imported.trace.total_params:
        notes.append(
            f"{total - imported.trace.total_params:,} weights of the module are in no layer its "
            "forward calls: the spec leaves them out"
        )
    return replace(imported, notes=tuple(notes))
