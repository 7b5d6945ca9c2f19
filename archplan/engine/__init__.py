"""The engine: pure rules for shapes, parameters and costs, and the walk that applies them.

Nothing here imports a deep-learning framework, prints or reads files. ``arith`` holds the
per-axis rules the layer specs apply; ``trace`` walks a network through them.
"""
