"""``python -m archplan``: the same as the ``archplan`` command."""

from archplan.cli import main

main()
