"""What ``archplan plan`` writes: candidates as complete spec files, and the plan as data.

A candidate was built without re-validation (see :mod:`archplan.planner.families`); the spec
written for it is validated and traced in full here, so a file that ``plan`` writes is always
one ``archplan trace`` and ``archplan realize`` accept, with the same figures the search saw.
"""

from __future__ import annotations

from typing import Any

from archplan.engine.trace import trace_network
from archplan.layers import Layer
from archplan.planner.planfile import Settings
from archplan.planner.search import Candidate
from archplan.schema import parse_spec
from archplan.schema.training import Training

PAIR_FIELDS = frozenset(
    {"kernel_size", "strides", "dilation_rate", "pool_size", "size", "output_padding"}
)
"""Keras' int-or-pair arguments: written as one number when both sizes agree, as people do."""


def layer_data(layer: Layer) -> dict[str, Any]:
    """A layer as a spec file writes it: its type and name first, the arguments it was given
    (by the generator, or by the plan file), pairs of equal sizes as one number, ``inputs`` last."""
    data = layer.model_dump(mode="json", exclude_unset=True)
    for field in PAIR_FIELDS & data.keys():
        value = data[field]
        if isinstance(value, list) and len(value) == 2 and value[0] == value[1]:
            data[field] = value[0]
    first: dict[str, Any] = {key: data.pop(key) for key in ("type", "name") if key in data}
    inputs = {"inputs": data.pop("inputs")} if "inputs" in data else {}
    return {**first, **data, **inputs}


def training_data(training: Training) -> dict[str, Any]:
    """The training block as it was given (the plan's, or archplan's default one)."""
    return training.model_dump(mode="json", exclude_unset=True)


def spec_data(candidate: Candidate, *, name: str, description: str) -> dict[str, Any]:
    """The candidate's network as a spec file's JSON, validated and traced in full.

    A disagreement between the candidate's figures and the full trace of the written file is a
    bug in archplan, and is refused (RuntimeError) rather than written.
    """
    network = candidate.network
    data: dict[str, Any] = {
        "name": name,
        "description": description,
        "input": {"shape": list(network.input_shape)},
        "layers": [layer_data(layer) for layer in network.layers],
    }
    if network.training is not None:
        data["training"] = training_data(network.training)
    trace = trace_network(parse_spec(data, source=f"{name}.json"))
    if (trace.total_params, trace.total_macs) != (candidate.figures.params, candidate.figures.macs):
        raise RuntimeError(
            f"{name}: the written spec traces to {trace.total_params} parameters and "
            f"{trace.total_macs} MACs, the search measured {candidate.figures.params} and "
            f"{candidate.figures.macs}"
        )
    return data


def settings_data(settings: Settings) -> dict[str, Any]:
    """The resolved settings as a plan file (flags included): rerunning it gives the same plan."""
    limits = {
        key: list(value) if isinstance(value, tuple) else value
        for key, value in vars(settings.limits).items()
        if value is not None
    }
    data: dict[str, Any] = {
        "input": {"shape": list(settings.problem.input_shape)},
        "classes": settings.problem.classes,
        "families": {
            family.name: {param.name: list(param.choices) for param in space.params}
            for family, space in settings.spaces
        },
        "constraints": limits,
        "objective": settings.objective.value,
        "top": settings.top,
        "samples": settings.samples,
        "seed": settings.seed,
        "dtype": settings.dtype,
        "fixed_layers": [layer_data(layer) for layer in settings.problem.fixed_layers],
        "training": training_data(settings.training),
    }
    if settings.description is not None:
        data = {"description": settings.description, **data}
    return data
