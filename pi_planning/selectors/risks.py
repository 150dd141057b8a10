"""Reads of the ROAM board: risks by ROAM column with their age, next moves and history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.db import models
from django.db.models import Q
from django.utils import timezone

from art import rules
from art.models import ProgramIncrement, ReleaseTrain
from pi_planning.models import Risk
from pi_planning.selectors.history import attach_histories, train_labels

if TYPE_CHECKING:
    from pi_planning.selectors.history import HistoryEntry

    # The cards as the boards below return them. For type checking only: these classes do not
    # exist at runtime, the attributes are set on the model instances.

    class RiskCard(Risk):
        age_days: int
        next_roams: list[str]
        history_count: int
        history: list[HistoryEntry]
        # set by views.risks._decorate_risk:
        can_edit: bool
        roam_label: str
        moves: list[tuple[str, str]]


ROAM_COLUMNS = [
    (Risk.Roam.UNROAMED, "Every new risk starts here"),
    (Risk.Roam.RESOLVED, "No longer a concern"),
    (Risk.Roam.OWNED, "Someone on the train owns it"),
    (Risk.Roam.ACCEPTED, "Understood and accepted as is"),
    (Risk.Roam.MITIGATED, "A plan reduces its impact"),
]


@dataclass
class RoamColumn:
    roam: str
    label: str
    hint: str
    risks: list[RiskCard]


def risk_age_days(risk: Risk, now: dt.datetime) -> int:
    """Whole days since the risk was raised; a resolved one keeps the age it had when it was
    resolved (the dependency-age rule, applied to risks)."""
    resolved_at = risk.roamed_at if risk.roam == Risk.Roam.RESOLVED else None
    return rules.dependencies.dependency_age_days(
        rules.dependencies.DependencyDates(risk.created_at, resolved_at), now
    )


def risk_queryset() -> models.QuerySet[Risk]:
    return Risk.objects.select_related("team", "pi")


def _with_age(risks: Sequence[RiskCard], now: dt.datetime | None) -> None:
    now = now or timezone.now()
    for risk in risks:
        risk.age_days = risk_age_days(risk, now)
        risk.next_roams = [
            value for value, _ in ROAM_COLUMNS if rules.risks.roam_move_allowed(risk.roam, value)
        ]


def risk_board(
    *,
    train: ReleaseTrain,
    pi: ProgramIncrement | None,
    team: int | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The ROAM board: the PI's risks and the train's risks without a PI, in their columns,
    with age and history. Five queries whatever the number of risks."""
    qs = risk_queryset().filter(train=train)
    if pi is not None:
        qs = qs.filter(Q(pi=pi) | Q(pi__isnull=True))
    if team:
        qs = qs.filter(team_id=team)
    risks = cast("list[RiskCard]", list(qs.order_by("-created_at", "-id")))
    _with_age(risks, now)
    attach_histories(risks, train_labels(train.pk, pi_id=pi.pk if pi else None))
    columns = [
        RoamColumn(value, Risk.Roam(value).label, hint, [r for r in risks if r.roam == value])
        for value, hint in ROAM_COLUMNS
    ]
    return {"columns": columns, "total": len(risks)}


def risk_card(*, pk: int, now: dt.datetime | None = None) -> RiskCard:
    risk = cast("RiskCard", risk_queryset().get(pk=pk))
    _with_age([risk], now)
    attach_histories([risk], train_labels(risk.train_id))
    return risk
