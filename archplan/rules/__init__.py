"""The rules: pure arithmetic of shapes, costs and receptive fields, along one axis at a time.

This package is the bottom of archplan: it imports nothing else from archplan, nothing from a
framework, prints nothing and reads no file. Layers apply these rules to their arguments; the
engine walks a network through the layers.
"""
