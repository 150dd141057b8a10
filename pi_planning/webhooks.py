"""The PI planning events webhooks hear of (art.webhooks): dependencies and risks changed,
objectives scored, confidence votes revealed, plans committed; each shown as the API shows it."""

from __future__ import annotations

from typing import Any

from art import webhooks
from art.models import ChangeRecord


def _objective_scored(record: ChangeRecord) -> str | None:
    # Scored: an actual business value set (or changed); clearing it is not a score.
    return "objective.scored" if webhooks.new_state(record, "actual_bv") is not None else None


def _vote_revealed(record: ChangeRecord) -> str | None:
    return "vote.revealed" if webhooks.new_state(record) == "revealed" else None


def _plan_committed(record: ChangeRecord) -> str | None:
    return "pi.committed" if record.action == ChangeRecord.Action.CREATED else None


def _dependencies(ids: list[int]) -> dict[int, Any]:
    from pi_planning.api.dependencies import DependencySerializer
    from pi_planning.selectors.dependencies import dependency_queryset, with_health

    return {d.pk: DependencySerializer(d).data for d in with_health(dependency_queryset().filter(pk__in=ids))}


def _risks(ids: list[int]) -> dict[int, Any]:
    from pi_planning.api.risks import RiskSerializer
    from pi_planning.models import Risk

    return {r.pk: RiskSerializer(r).data for r in Risk.objects.filter(pk__in=ids)}


def _objectives(ids: list[int]) -> dict[int, Any]:
    from pi_planning.api.objectives import ObjectiveSerializer
    from pi_planning.models import Objective

    rows = Objective.objects.select_related("pi").prefetch_related("features").filter(pk__in=ids)
    return {o.pk: ObjectiveSerializer(o).data for o in rows}


def _vote_rounds(ids: list[int]) -> dict[int, Any]:
    """The scope's result as pis/{id}/confidence/ shows it, with the PI."""
    from pi_planning.api.votes import _scope_row
    from pi_planning.models import VoteRound
    from pi_planning.selectors.votes import confidence_scopes

    out = {}
    for round_ in VoteRound.objects.select_related("pi").filter(pk__in=ids):  # one per reveal
        scopes = confidence_scopes(pi=round_.pi, team_id=round_.team_id)
        if scopes:
            out[round_.pk] = {"id": round_.pk, "pi": round_.pi_id, **_scope_row(scopes[0])}
    return out


def _baselines(ids: list[int]) -> dict[int, Any]:
    from pi_planning.models import PlanBaseline

    rows = PlanBaseline.objects.select_related("committed_by").filter(pk__in=ids)
    return {
        b.pk: {
            "id": b.pk,
            "pi": b.pi_id,
            "committed_at": b.committed_at.isoformat(),
            "committed_by": b.committed_by.username if b.committed_by else None,
            "note": b.note,
            "features": len(b.snapshot.get("features") or ()),
            "stories": len(b.snapshot.get("stories") or ()),
        }
        for b in rows
    }


def register() -> None:
    webhooks.register_source(
        "pi_planning.dependency", webhooks.any_change("dependency.changed"), _dependencies
    )
    webhooks.register_source("pi_planning.risk", webhooks.any_change("risk.changed"), _risks)
    webhooks.register_source("pi_planning.objective", _objective_scored, _objectives)
    webhooks.register_source("pi_planning.voteround", _vote_revealed, _vote_rounds)
    webhooks.register_source("pi_planning.planbaseline", _plan_committed, _baselines)
