"""Use the planner as a library: draw a point of a family one parameter at a time, as a sampler
such as Optuna's would, let the engine check it before anything is built, and get its spec.

Run it from the repository root:  python examples/plan_as_library.py
"""

from __future__ import annotations

import random

from archplan import SpecError
from archplan.planner.families import FAMILIES
from archplan.planner.planfile import Overrides, PlanFile, resolve
from archplan.planner.search import Evaluator
from archplan.planner.written import spec_data


def main() -> None:
    settings = resolve(
        PlanFile(), Overrides(input_shape=(32, 32, 3), classes=10, max_params=200_000, min_rf=1.0)
    )
    evaluator = Evaluator(settings)
    family = FAMILIES["resnet"]
    rng = random.Random(0)
    for trial in range(5):
        # A sampler draws each parameter from its choices (Optuna: trial.suggest_categorical).
        point = {param.name: rng.choice(param.choices) for param in family.space().params}
        try:
            candidate = evaluator.candidate(family, point)
        except SpecError as refusal:  # a map would shrink to nothing: never built
            print(f"trial {trial}: refused: {refusal}")
            continue
        figures = candidate.figures
        if not candidate.feasible:
            broken = ", ".join(
                f"{v.flag} ({v.value:,} vs {v.limit:,})" for v in candidate.violations
            )
            print(f"trial {trial}: {candidate.slug}: breaks {broken}")
            continue
        spec = spec_data(candidate, name=candidate.slug, description="planned by a sampler")
        print(
            f"trial {trial}: {candidate.slug}: fits, {figures.params:,} parameters, "
            f"{figures.macs:,} MACs, {len(spec['layers'])} layers in its spec"
        )


if __name__ == "__main__":
    main()
