"""The measured search (``archplan plan --train``): Optuna draws, archplan screens and trains.

The only package that imports Optuna, above the run lifecycle it trains every trial through:

- :mod:`~archplan.study.search`: a worker's life: checks, the study, the trials, the results;
- :mod:`~archplan.study.trial`: one trial: draw, screen with the engine, claim a place, train;
- :mod:`~archplan.study.sampling`: the draw (TPE, seeded per trial) and the pruners;
- :mod:`~archplan.study.storage`: the storages a study lives in (SQLite, journal file, databases);
- :mod:`~archplan.study.results`: the trials read back: ranked, the front, ``best.json``.
"""
