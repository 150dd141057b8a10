"""Risks and their ROAM moves."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from art import rules
from art.access import Action, authorize, check_risk
from art.errors import ConflictError
from art.models import ProgramIncrement, ReleaseTrain, Team
from art.services.common import author, create_validated, created_at_refusal, delete_recorded, update_fields
from pi_planning.models import Risk, Vote

EDITABLE = {"title", "description", "owner", "mitigation_plan", "team", "pi", "external_key"}


def risk_create(
    *,
    actor: Any,
    train: ReleaseTrain,
    title: str,
    pi: ProgramIncrement | None = None,
    team: Team | None = None,
    description: str = "",
    owner: str = "",
    mitigation_plan: str = "",
    roam: str = Risk.Roam.UNROAMED,
    source_vote: Vote | None = None,
    external_key: str | None = None,
    created_at: Any = None,
) -> Risk:
    """Every new risk starts un-ROAMed (domain.md); imports may pass a ROAM state that the
    rules would allow from un-ROAMed."""
    authorize(actor, Action.EDIT_RISK, train.pk)  # anyone who works on the train raises risks
    refusal = rules.risks.roam_refusal(Risk.Roam.UNROAMED, roam, owner=owner, mitigation_plan=mitigation_plan)
    if refusal:
        raise ValidationError({"roam": refusal})
    now = timezone.now()
    if created_at is not None:
        created_refusal = created_at_refusal(created_at, now, what="a risk")
        if created_refusal:
            raise ValidationError({"created_at": created_refusal})
    risk = Risk(
        train=train,
        pi=pi,
        team=team,
        title=(title or "").strip(),
        description=description or "",
        owner=(owner or "").strip(),
        mitigation_plan=(mitigation_plan or "").strip(),
        roam=roam,
        source_vote=source_vote,
        external_key=external_key,
        created_at=created_at or now,
        roamed_at=None if roam == Risk.Roam.UNROAMED else now,
        created_by=author(actor),
    )
    return create_validated(actor=actor, obj=risk)


def risk_update(*, actor: Any, risk: Risk, version: int | None = None, **changes: Any) -> Risk:
    """Edit a risk's fields; a `roam` among them goes through risk_roam's rules."""
    roam = changes.pop("roam", None)
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValidationError({name: f"{name} cannot be changed here" for name in unknown})
    with transaction.atomic():
        current = Risk.objects.select_for_update().get(pk=risk.pk)
        if version is not None and int(version) != current.version:
            raise ConflictError(current, int(version))
        new_team = changes.get("team", current.team) if "team" in changes else current.team
        check_risk(actor, current.train_id, [current.team_id, new_team.pk if new_team else None])
        if roam is not None and roam != current.roam:
            return risk_roam(
                actor=actor,
                risk=current,
                roam=roam,
                version=current.version,
                **{k: v for k, v in changes.items() if k in EDITABLE},
            )
        return update_fields(
            actor=actor, queryset=Risk.objects.all(), pk=current.pk, changes=changes, version=current.version
        )


def risk_roam(
    *,
    actor: Any,
    risk: Risk,
    roam: str,
    owner: str | None = None,
    mitigation_plan: str | None = None,
    version: int | None = None,
    **other: Any,
) -> Risk:
    """Move a risk to a ROAM column. Owned and Mitigated need an owner, Mitigated a plan;
    refused with the rule's words otherwise. The move is kept in the risk's history."""
    with transaction.atomic():
        current = Risk.objects.select_for_update().get(pk=risk.pk)
        if version is not None and int(version) != current.version:
            raise ConflictError(current, int(version))
        check_risk(actor, current.train_id, [current.team_id])
        owner = current.owner if owner is None else owner
        plan = current.mitigation_plan if mitigation_plan is None else mitigation_plan
        refusal = rules.risks.roam_refusal(current.roam, roam, owner=owner, mitigation_plan=plan)
        if refusal:
            field = "roam"
            if refusal.endswith("needs an owner"):
                field = "owner"
            elif refusal.endswith("mitigation plan"):
                field = "mitigation_plan"
            raise ValidationError({field: refusal})
        changes = {"roam": roam, "owner": owner, "mitigation_plan": plan, **other}
        if roam != current.roam:
            changes["roamed_at"] = timezone.now()
        return update_fields(
            actor=actor, queryset=Risk.objects.all(), pk=current.pk, changes=changes, version=current.version
        )


def risk_delete(*, actor: Any, risk: Risk) -> None:
    """Team members delete risks of their own team or of no team; the history keeps the card."""
    check_risk(actor, risk.train_id, [risk.team_id])
    delete_recorded(actor=actor, obj=risk)
