"""The planner: design networks to a budget, fix impossible specs, solve one layer's arguments.

Pure library code on top of the engine (no rich, no typer, no framework, no numpy):

- :mod:`~archplan.planner.space` and :mod:`~archplan.planner.families`: design spaces whose
  points are whole networks (``plain``, ``resnet``, ``mobile``), a pure function from a point to
  a spec;
- :mod:`~archplan.planner.constraints` and :mod:`~archplan.planner.ranking`: limits checked on the
  engine's numbers, objectives, the Pareto front of parameters against MACs;
- :mod:`~archplan.planner.search`: the seeded search (walk small spaces, sample large ones);
- :mod:`~archplan.planner.planfile`: the plan file, and the settings resolved with the flags;
- :mod:`~archplan.planner.written`: the validated specs ``archplan plan`` writes;
- :mod:`~archplan.planner.fix` and :mod:`~archplan.planner.solve`: ``archplan fix`` and
  ``archplan solve``;
- :mod:`~archplan.planner.quantities`: ``1M``, ``2.5G``, ``64MB``, ``2..8``.
"""
