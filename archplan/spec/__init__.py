"""The spec format: pydantic models of a network file, and the loader that explains mistakes."""

from archplan.spec.load import load_spec, parse_spec
from archplan.spec.network import InputSpec, Network
from archplan.spec.training import Training

__all__ = ["InputSpec", "Network", "Training", "load_spec", "parse_spec"]
