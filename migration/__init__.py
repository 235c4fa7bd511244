"""Migration planning: policy profiles, risk model, dependency graph, scheduler, reports."""
