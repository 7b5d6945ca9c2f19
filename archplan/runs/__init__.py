"""The run lifecycle: archplan's one path from a spec to a trained run folder."""
