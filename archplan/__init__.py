"""archplan: plan a convnet's shapes and parameters before training it, exactly as Keras would.

The library in four names::

    from archplan import load_spec, trace_network
    trace = trace_network(load_spec("specs/tutorial-convnet.json"))
    trace.layers[0].output_shape  # (32, 32, 64)
"""

from archplan.engine.trace import LayerTrace, Trace, trace_network
from archplan.errors import ArchplanError, SpecError
from archplan.spec import Network, load_spec, parse_spec

__version__ = "0.1.0"

__all__ = [
    "ArchplanError",
    "LayerTrace",
    "Network",
    "SpecError",
    "Trace",
    "__version__",
    "load_spec",
    "parse_spec",
    "trace_network",
]
