"""The only part of archplan that imports Keras: build a spec's model, cross-check it, train it.

Keras fixes its backend when it is first imported, so no module here imports it at load time:
:func:`archplan.keras.backend.load_keras` chooses the backend, then imports it. Importing this
package (or ``archplan.cli``) therefore never pulls in Keras, TensorFlow, JAX or PyTorch.
"""
