"""PI objectives: written by the teams, valued by business owners."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import models, transaction

from art.access import Action, authorize, can
from art.models import Feature, ProgramIncrement, Team
from art.services.common import create_validated, delete_recorded, differs, record_change, update_fields
from pi_planning.models import Objective

TEAM_FIELDS = {"title", "description", "committed", "order", "external_key"}
#: Only business owners (and the RTE) set these (domain.md).
VALUE_FIELDS = {"planned_bv", "actual_bv"}


def _check_business_values(values: dict[str, Any]) -> None:
    """Name the rule ("planned_bv must be between 1 and 10") rather than Django's generic
    message; the range itself is read from the model field's validators."""
    from django.core.validators import MaxValueValidator, MinValueValidator

    errors = {}
    for name in VALUE_FIELDS & set(values):
        value = values[name]
        if value is None:
            continue
        validators = cast(models.Field, Objective._meta.get_field(name)).validators
        low = next(v.limit_value for v in validators if isinstance(v, MinValueValidator))
        high = next(v.limit_value for v in validators if isinstance(v, MaxValueValidator))
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            errors[name] = f"{name} must be between {low} and {high}"
    if errors:
        raise ValidationError(errors)


def objective_create(
    *,
    actor: Any,
    pi: ProgramIncrement,
    team: Team,
    title: str,
    committed: bool = True,
    description: str = "",
    planned_bv: int | None = None,
    actual_bv: int | None = None,
    features: Iterable[Feature] = (),
    external_key: str | None = None,
) -> Objective:
    # The team writes its objectives; business values are the business owners' (and the RTE's).
    authorize(actor, Action.EDIT_TEAM, pi.train_id, [team.pk])
    if planned_bv is not None or actual_bv is not None:
        authorize(actor, Action.SCORE_BV, pi.train_id)
    _check_business_values({"planned_bv": planned_bv, "actual_bv": actual_bv})
    with transaction.atomic():
        order = (Objective.objects.filter(pi=pi, team=team).count() + 1) * 10
        objective = create_validated(
            actor=actor,
            obj=Objective(
                pi=pi,
                team=team,
                title=(title or "").strip(),
                committed=committed,
                description=description or "",
                planned_bv=planned_bv,
                actual_bv=actual_bv,
                order=order,
                external_key=external_key,
            ),
        )
        objective_link_features(actor=actor, objective=objective, features=features)
    return objective


def objective_update(
    *, actor: Any, objective: Objective, version: int | None = None, **changes: Any
) -> Objective:
    """Edit an objective, checked on the fields it really changes: the text, commitment and
    features are the team's (and the RTE's), the business values the business owners' (and the
    RTE's); sending back an unchanged value is never refused."""
    features = changes.pop("features", None)
    unknown = set(changes) - TEAM_FIELDS - VALUE_FIELDS
    if unknown:
        raise ValidationError({name: f"{name} cannot be changed here" for name in unknown})
    current = Objective.objects.select_related("pi").get(pk=objective.pk)
    changed = {name for name, value in changes.items() if differs(current, name, value)}
    if features is not None and {f.pk for f in features} != set(
        current.features.values_list("pk", flat=True)
    ):
        changed.add("features")
    train_id = current.pi.train_id
    if changed & VALUE_FIELDS:
        authorize(actor, Action.SCORE_BV, train_id)
    if (changed - VALUE_FIELDS) or (
        not changed and actor is not None and not can(actor, Action.SCORE_BV, train_id)
    ):
        authorize(actor, Action.EDIT_TEAM, train_id, [current.team_id])
    _check_business_values(changes)
    with transaction.atomic():
        updated = update_fields(
            actor=actor, queryset=Objective.objects.all(), pk=objective.pk, changes=changes, version=version
        )
        if features is not None:
            objective_link_features(actor=actor, objective=updated, features=features)
    return updated


def objective_link_features(*, actor: Any, objective: Objective, features: Iterable[Feature]) -> None:
    features = list(features)
    foreign = [f for f in features if f.train_id != objective.pi.train_id]
    if foreign:
        raise ValidationError({"features": "features must belong to the objective's train"})
    before = set(objective.features.values_list("pk", flat=True))
    after = {f.pk for f in features}
    if before != after:
        objective.features.set(features)
        record_change(
            actor=actor,
            obj=objective,
            action="updated",
            changes={"features": [sorted(before), sorted(after)]},
        )


def objective_delete(*, actor: Any, objective: Objective) -> None:
    authorize(actor, Action.EDIT_TEAM, objective.pi.train_id, [objective.team_id])
    delete_recorded(actor=actor, obj=objective)
