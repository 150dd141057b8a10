"""Plan baselines and public holidays."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError

from art.models import Feature, ProgramIncrement, ReleaseTrain, Story
from art.services.common import create_validated, delete_recorded, record_change, update_fields
from pi_planning.models import Holiday, PlanBaseline


def plan_snapshot(pi: ProgramIncrement) -> dict:
    """Where every feature and story of the PI is now: two queries whatever the size."""
    features = Feature.objects.filter(pi=pi).values("id", "team_id", "iteration_id", "title", "external_key")
    stories = Story.objects.filter(iteration__pi=pi).values(
        "id", "team_id", "iteration_id", "title", "points", "feature_id", "external_key"
    )
    return {
        "features": {
            str(f["id"]): {
                "team": f["team_id"],
                "iteration": f["iteration_id"],
                "title": f["title"],
                "key": f["external_key"] or f"F-{f['id']}",
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
                "key": s["external_key"] or f"S-{s['id']}",
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
        committed_by=actor if actor.is_authenticated else None,
        note=note or "",
        snapshot=plan_snapshot(pi),
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


def holiday_create(*, actor: Any, train: ReleaseTrain, date: dt.date, name: str) -> Holiday:
    return create_validated(actor=actor, obj=Holiday(train=train, date=date, name=(name or "").strip()))


def holiday_update(*, actor: Any, holiday: Holiday, **changes: Any) -> Holiday:
    allowed = {"date", "name"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({name: f"{name} cannot be changed here" for name in unknown})
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
    return update_fields(actor=actor, queryset=Holiday.objects.all(), pk=holiday.pk, changes=changes)


def holiday_delete(*, actor: Any, holiday: Holiday) -> None:
    delete_recorded(actor=actor, obj=holiday)
