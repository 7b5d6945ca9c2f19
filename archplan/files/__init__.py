"""The one door for files: every file a user hands archplan is read by :mod:`.reading`, and
every file archplan writes is written by :mod:`.writing`.

A bottom-layer package (standard library and :mod:`archplan.errors` only), so that the spec
loader, the planner, the Keras importer, the run records and the study all keep the same promises:
regular files only, bounded size, strict JSON; a write that replaces nothing but a regular file
and is whole or absent. Nothing is imported here, so ``archplan trace`` pays only for the reader.
"""
