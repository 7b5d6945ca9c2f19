"""Keras models in and out, without Keras: a model file as a spec, a spec as Keras code or config.

- :func:`import_model`: a ``.keras`` file or a model configuration (``model.to_json()``) as an
  archplan spec, nested models opened up, checked against the shapes Keras recorded.
- :func:`python_script`: a spec as a standalone Keras script (``build_model()``, compile, fit).
- :func:`keras_model_config`: a spec as the configuration ``keras.models.model_from_json`` reads.

Nothing here imports a framework: plain ``zipfile`` and ``json``, the spec models and the engine.
"""

from archplan.interop.importing import Imported, UnsupportedLayersError, import_model, spec_text

__all__ = ["Imported", "UnsupportedLayersError", "import_model", "spec_text"]
