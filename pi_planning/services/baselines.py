"""Plan baselines: the RTE commits the plan at the end of PI planning; the board then shows
what changed since (art.rules.baselines.plan_changes)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from art.models import Feature, ProgramIncrement, Story
from art.rules.keys import FEATURE, STORY, card_key
from art.services.common import author, record_change
from pi_planning.models import PlanBaseline


def plan_snapshot(pi: ProgramIncrement) -> dict:
    """Where every feature and story of the PI is now: two queries whatever the size."""
    features = Feature.objects.filter(pi=pi).values(
        "id", "number", "team_id", "iteration_id", "title", "external_key"
    )
    stories = Story.objects.filter(iteration__pi=pi).values(
        "id", "number", "team_id", "iteration_id", "title", "points", "feature_id", "external_key"
    )
    return {
        "features": {
            str(f["id"]): {
                "team": f["team_id"],
                "iteration": f["iteration_id"],
                "title": f["title"],
                "key": card_key(FEATURE, f["number"], f["external_key"]),
            }
            for f in features
        },
        "stories": {
            str(s["id"]): {
                "team": s["team_id"],
                "iteration": s["iteration_id"],
                "title": s["title"],
                "points": s["points"],
                "feature": s["feature_id"],
                "key": card_key(STORY, s["number"], s["external_key"]),
            }
            for s in stories
        },
    }


def plan_baseline_commit(*, actor: Any, pi: ProgramIncrement, note: str = "") -> PlanBaseline:
    """The RTE commits the plan at the end of PI planning: keep it as a snapshot."""
    if len(note or "") > 240:
        raise ValidationError({"note": "note must be at most 240 characters"})
    baseline = PlanBaseline.objects.create(
        pi=pi,
        committed_by=author(actor),
        note=note or "",
        # The PI's state then says which commit ended the planning (art.rules.baselines.end_of_planning).
        snapshot={**plan_snapshot(pi), "pi_state": pi.state},
    )
    record_change(
        actor=actor,
        obj=baseline,
        action="created",
        changes={
            "features": [None, len(baseline.snapshot["features"])],
            "stories": [None, len(baseline.snapshot["stories"])],
        },
    )
    return baseline
