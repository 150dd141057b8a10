"""What the dependency board's forms offer to pick from, loaded once for all cards."""

from __future__ import annotations

from typing import Any

from art.models import Feature, Iteration, ProgramIncrement, Team


def dependency_form_choices(*, pi: ProgramIncrement) -> dict[str, Any]:
    """Teams, iterations (this PI's, and later PIs' for counter-proposals) and features to pick
    from on the board's forms, loaded once for all cards."""
    teams = list(Team.objects.filter(train_id=pi.train_id).order_by("name"))
    iterations = list(
        Iteration.objects.filter(pi__train_id=pi.train_id, pi__start_date__gte=pi.start_date)
        .select_related("pi")
        .order_by("pi__start_date", "number")
    )
    features = list(
        Feature.objects.filter(train_id=pi.train_id, pi=pi)
        .only("id", "title", "number", "external_key", "team_id")
        .order_by("title")
    )
    return {
        "teams": teams,
        "iterations": iterations,
        "pi_iterations": [i for i in iterations if i.pi_id == pi.pk],
        "features": features,
    }
