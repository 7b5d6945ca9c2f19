"""A run's records, as plain data and files: settings, history, metrics, the run folder.

Nothing here imports Keras or renders anything: the Keras side, the reports and the run lifecycle
all read and write these.
"""
