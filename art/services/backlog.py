"""Features, their state history, and stories."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from art import rules
from art.access import Action, authorize, check_feature_move
from art.errors import ConflictError, ItemsRefused
from art.live import events as live
from art.models import (
    ChangeRecord,
    Feature,
    FeatureState,
    FeatureTransition,
    Iteration,
    ProgramIncrement,
    Story,
    Team,
    WipBreach,
)
from art.signals import announce_history_imported

from .common import (
    FUTURE_TOLERANCE,
    author,
    create_validated,
    date_range_refusal,
    delete_recorded,
    differs,
    record_change,
    update_fields,
)

FEATURE_FIELDS = {
    "title",
    "description",
    "kind",
    "points",
    "team",
    "pi",
    "iteration",
    "external_key",
    "user_business_value",
    "time_criticality",
    "risk_reduction",
    "job_size",
    "found_after_release",
}
STORY_FIELDS = {"feature", "team", "iteration", "title", "points", "state", "external_key"}


#: The fields that place a card on a PI's plan: on a closed PI they are history.
PLACEMENT_FIELDS = frozenset({"team", "iteration", "pi"})


def card_pi(card: Feature | Story) -> ProgramIncrement | None:
    """The PI a card belongs to: a feature's PI; a story's iteration's PI, or else its
    feature's. Loads what the card has not loaded (`select_related("pi")` for a feature,
    `"iteration__pi", "feature__pi"` for a story spare the queries)."""
    if isinstance(card, Feature):
        return card.pi if card.pi_id else None
    if card.iteration_id and card.iteration is not None:
        return card.iteration.pi
    if card.feature_id and card.feature is not None and card.feature.pi_id:
        return card.feature.pi
    return None


def closed_plan_refusal(card: Feature | Story, changes: dict[str, Any]) -> str | None:
    """Why `changes` may not re-plan `card` (None if they may): nothing of a closed PI moves,
    neither out of it nor into it; its plan is history."""
    placement = PLACEMENT_FIELDS & set(changes)
    if not placement:
        return None
    label = f"{card.key} “{card.title}”"
    own = card_pi(card)
    if own is not None and own.state == ProgramIncrement.State.CLOSED:
        return f"{label} belongs to {own.name}, which is closed: its plan is history and its cards stay put."
    target = changes.get("pi")
    iteration = changes.get("iteration")
    if isinstance(iteration, Iteration):
        target = iteration.pi
    if isinstance(target, ProgramIncrement) and target.state == ProgramIncrement.State.CLOSED:
        return f"{target.name} is closed: its plan is history, and {label} cannot be planned into it."
    return None


def _refuse_closed_plan(card: Feature | Story, changes: dict[str, Any]) -> None:
    refusal = closed_plan_refusal(card, changes)
    if refusal:
        raise ValidationError(
            {"iteration" if "iteration" in changes else sorted(PLACEMENT_FIELDS & set(changes))[0]: refusal}
        )


def feature_create(
    *,
    actor: Any,
    train: Any,
    title: str,
    state: str = FeatureState.FUNNEL,
    created_at: dt.datetime | None = None,
    **fields: Any,
) -> Feature:
    """Create a feature and the first entry of its state history, at its creation time
    (integrations importing older work pass created_at)."""
    unknown = set(fields) - FEATURE_FIELDS
    if unknown:
        raise ValidationError({name: f"{name} is not a feature field" for name in unknown})
    now = timezone.now()
    created_at = created_at or now
    if created_at > now + FUTURE_TOLERANCE:
        raise ValidationError({"created_at": "created_at must not be in the future"})
    if date_range_refusal(created_at, "created_at"):
        raise ValidationError({"created_at": date_range_refusal(created_at, "created_at")})
    if state not in FeatureState.values:
        raise ValidationError({"state": f"state must be one of {', '.join(FeatureState.values)}"})
    feature = Feature(train=train, title=(title or "").strip(), state=state, created_at=created_at, **fields)
    feature.iteration_is_explicit = feature.iteration_id is not None
    with transaction.atomic():
        create_validated(actor=actor, obj=feature)
        FeatureTransition.objects.create(
            feature=feature,
            from_state="",
            to_state=state,
            at=created_at,
            actor=author(actor),
        )
    feature.refresh_from_db(fields=["cost_of_delay", "wsjf"])
    return feature


def feature_update(*, actor: Any, feature: Feature, version: int | None = None, **changes: Any) -> Feature:
    """Edit a feature (fields of FEATURE_FIELDS, and `state`, which appends a transition now).
    A delivery iteration given here is explicit; None hands it back to the stories."""
    unknown = set(changes) - FEATURE_FIELDS - {"state", "reason"}
    if unknown:
        raise ValidationError({name: f"{name} cannot be changed here" for name in unknown})
    state = changes.pop("state", None)
    reason = changes.pop("reason", "") or ""
    with transaction.atomic():
        current = Feature.objects.select_related("pi", "iteration").get(pk=feature.pk)
        _refuse_closed_plan(current, {k: v for k, v in changes.items() if differs(current, k, v)})
        if "iteration" in changes:
            changes["iteration_is_explicit"] = changes["iteration"] is not None
        if "pi" in changes and "iteration" not in changes:
            new_pi = changes["pi"]
            iteration_pi = current.iteration.pi_id if current.iteration_id and current.iteration else None
            if iteration_pi is not None and (new_pi is None or iteration_pi != new_pi.pk):
                changes["iteration"] = None
                changes["iteration_is_explicit"] = False
        updated = update_fields(
            actor=actor, queryset=Feature.objects.all(), pk=feature.pk, changes=changes, version=version
        )
        if state is not None and state != updated.state:
            updated = feature_transition_add(actor=actor, feature=updated, state=state, reason=reason)
        if "iteration" in changes and changes["iteration"] is None:
            feature_follow_stories(feature_ids=[updated.pk], actor=actor)
    updated.refresh_from_db()
    return updated


def feature_transition_add(
    *,
    actor: Any,
    feature: Feature,
    state: str,
    at: dt.datetime | None = None,
    version: int | None = None,
    reason: str = "",
) -> Feature:
    """Append one state change: the form, the API and the ART Kanban all move a feature here.
    `at` defaults to now; back-dating is allowed for imports, but never before the previous
    transition, and never into the future. Who may move what is art.access.feature_move_refusal.
    A move made now into a column (or a team's lane) at its WIP limit needs a `reason`, recorded
    with the transition and as a WipBreach (art.rules.kanban); a back-dated one is history and
    meets no limit."""
    now = timezone.now()
    backdated = at is not None and at < now - FUTURE_TOLERANCE
    at = at or now
    reason = (reason or "").strip()
    if state not in FeatureState.values:
        raise ValidationError({"state": f"state must be one of {', '.join(FeatureState.values)}"})
    if at > now + FUTURE_TOLERANCE:
        raise ValidationError({"at": "at must not be in the future"})
    if date_range_refusal(at, "at"):
        raise ValidationError({"at": date_range_refusal(at, "at")})
    if rules.kanban.reason_refusal(reason):
        raise ValidationError({"reason": rules.kanban.reason_refusal(reason)})
    with transaction.atomic():
        # Lock the feature's row only (the team is an outer join, which PostgreSQL cannot lock).
        locked = Feature.objects.select_for_update(of=("self",)).select_related("train", "team")
        current = locked.get(pk=feature.pk)
        check_feature_move(actor, current.train_id, current.team_id, current.state, state)
        if version is not None and int(version) != current.version:
            raise ConflictError(current, int(version))
        if current.state == state:
            raise ValidationError({"state": f"the feature is already {FeatureState(state).label.lower()}"})
        last = current.transitions.aggregate(last=Max("at"))["last"]
        if last is not None and at < last:
            if at < last.replace(microsecond=0):
                raise ValidationError(
                    {"at": f"at must not be before the previous transition ({last.isoformat()})"}
                )
            # A time given to the second (as most clients send it) within the second of the
            # previous change means that moment: keep the history a sequence instead of refusing.
            at = last
        breaches = [] if backdated else _move_breaches(current, state)
        if breaches and not reason:
            raise ValidationError({"reason": rules.kanban.reason_needed(breaches)})
        transition = FeatureTransition.objects.create(
            feature=current,
            from_state=current.state,
            to_state=state,
            at=at,
            actor=author(actor),
            reason=reason,
        )
        before = current.state
        Feature.objects.filter(pk=current.pk).update(state=state, version=current.version + 1, updated_at=now)
        changes: dict[str, Any] = {"state": [before, state]}
        if reason:
            changes["reason"] = [None, reason]
        record_change(actor=actor, obj=current, action="updated", changes=changes)
        _record_breaches(actor, current, transition, breaches, reason)
    current.refresh_from_db()
    return current


def feature_history_import(
    *,
    actor: Any,
    feature: Feature,
    transitions: Sequence[Mapping[str, Any]],
    version: int | None = None,
) -> Feature:
    """Append a tracker's back-dated state history in one go: `transitions` are
    {"state", "at", "reason"?} oldest first. Checked as a whole before anything is written (known
    states, each a change, in time order, none before the feature's creation nor its latest
    transition, none in the future): ItemsRefused names every refused item by index. Each change
    then goes through feature_transition_add, all or nothing; once committed, the metrics
    recompute the train's days (art.signals.history_imported)."""
    with transaction.atomic():
        current = Feature.objects.select_for_update(of=("self",)).get(pk=feature.pk)
        if version is not None and int(version) != current.version:
            raise ConflictError(current, int(version))
        last = current.transitions.aggregate(last=Max("at"))["last"]
        errors = _history_errors(transitions, current, last)
        if errors:
            raise ItemsRefused(errors)
        for index, item in enumerate(transitions):
            try:
                current = feature_transition_add(
                    actor=actor,
                    feature=current,
                    state=item["state"],
                    at=item["at"],
                    reason=item.get("reason", ""),
                )
            except ValidationError as exc:
                raise ItemsRefused({str(index): exc.message_dict}) from None
        if transitions:
            announce_history_imported(current.train_id, min(item["at"] for item in transitions))
    return current


def _history_errors(
    transitions: Sequence[Mapping[str, Any]], feature: Feature, last: dt.datetime | None
) -> dict[str, dict[str, list[str]]]:
    """The refused items of a history import of `feature`, by index: every one, not the first."""
    errors: dict[str, dict[str, list[str]]] = {}
    now = timezone.now()
    floor = max(feature.created_at, last or feature.created_at).replace(microsecond=0)
    state, previous_at = feature.state, None
    for index, item in enumerate(transitions):
        found: dict[str, list[str]] = {}
        to_state, at = item.get("state"), item.get("at")
        if to_state not in FeatureState.values:
            found["state"] = [f"state must be one of {', '.join(FeatureState.values)}"]
        elif to_state == state:
            found["state"] = [f"the feature is already {FeatureState(to_state).label.lower()} at this point"]
        if not isinstance(at, dt.datetime):
            found["at"] = ["at is required: the time of each change, oldest first"]
        elif at > now + FUTURE_TOLERANCE:
            found["at"] = ["at must not be in the future"]
        elif date_range_refusal(at, "at"):
            found["at"] = [date_range_refusal(at, "at")]
        elif at < feature.created_at.replace(microsecond=0):
            found["at"] = [f"at must not be before the feature's creation ({feature.created_at.isoformat()})"]
        elif at < floor:
            found["at"] = [f"at must not be before the feature's latest transition ({floor.isoformat()})"]
        elif previous_at is not None and at < previous_at:
            found["at"] = [f"transitions must be in time order: this one is before item {index - 1}"]
        if found:
            errors[str(index)] = found
        if to_state in FeatureState.values:
            state = to_state
        if isinstance(at, dt.datetime):
            previous_at = at
    return errors


def _move_breaches(feature: Feature, state: str) -> list[rules.kanban.Breach]:
    """The WIP limits moving `feature` (locked) to `state` now would go over: two counts, only
    when the column or the team's lane has a limit."""
    column_limit = (feature.train.wip_limits or {}).get(state)
    lane_limit = feature.team.wip_limit if feature.team is not None else None
    others = Feature.objects.filter(train_id=feature.train_id).exclude(pk=feature.pk)
    column_count = others.filter(state=state).count() if column_limit else 0
    in_flow = rules.flow.IN_FLOW_STATES
    lane_count = others.filter(team=feature.team, state__in=in_flow).count() if lane_limit else 0
    return rules.kanban.move_breaches(
        from_state=feature.state,
        to_state=state,
        column_count=column_count,
        column_limit=column_limit,
        lane_count=lane_count,
        lane_limit=lane_limit,
        team=feature.team.name if feature.team is not None else "",
    )


def _record_breaches(
    actor: Any,
    feature: Feature,
    transition: FeatureTransition,
    breaches: list[rules.kanban.Breach],
    reason: str,
) -> None:
    for breach in breaches:
        row = WipBreach.objects.create(
            train_id=feature.train_id,
            feature=feature,
            transition=transition,
            feature_key=feature.key,
            scope=breach.scope,
            state=breach.state,
            team=feature.team if breach.scope == WipBreach.Scope.LANE else None,
            count=breach.count,
            limit=breach.limit,
            reason=reason,
            actor=author(actor),
            at=transition.at,
        )
        record_change(
            actor=actor,
            obj=row,
            action="created",
            changes={"breach": [None, breach.words], "reason": [None, reason]},
        )


def feature_delete(*, actor: Any, feature: Feature) -> None:
    delete_recorded(actor=actor, obj=feature)


def feature_follow_stories(*, feature_ids: Iterable[int | None], actor: Any = None) -> None:
    """A feature's delivery iteration follows its stories unless set explicitly: the latest
    iteration of the feature's PI in which one of its stories is placed. A feature that follows
    is changed like any other write: its version goes up (a stale edit of it is then a conflict)
    and the history records the new iteration, by the person whose story move caused it."""
    ids = [i for i in set(feature_ids) if i]
    if not ids:
        return
    features = list(Feature.objects.filter(pk__in=ids, iteration_is_explicit=False, pi__isnull=False))
    if not features:
        return
    latest: dict[int, int | None] = {f.pk: None for f in features}
    rows = Story.objects.filter(feature_id__in=latest, iteration__isnull=False).values(
        "feature_id", "feature__pi_id", "iteration_id", "iteration__pi_id", "iteration__number"
    )
    best: dict[int, int] = {}
    for row in rows:
        if row["iteration__pi_id"] != row["feature__pi_id"]:
            continue
        fid = row["feature_id"]
        if fid not in best or row["iteration__number"] > best[fid]:
            best[fid] = row["iteration__number"]
            latest[fid] = row["iteration_id"]
    changed = [f for f in features if f.iteration_id != latest[f.pk]]
    if not changed:
        return
    by_target: dict[int | None, list[int]] = {}
    for f in changed:
        by_target.setdefault(latest[f.pk], []).append(f.pk)
    now = timezone.now()
    for target, pks in by_target.items():  # one update per iteration the features move to
        Feature.objects.filter(pk__in=pks).update(
            iteration_id=target, version=F("version") + 1, updated_at=now
        )
    content_type = ContentType.objects.get_for_model(Feature)
    who = author(actor)
    records = ChangeRecord.objects.bulk_create(
        ChangeRecord(
            train_id=f.train_id,
            content_type=content_type,
            object_id=f.pk,
            object_repr=str(f)[:240],
            action=ChangeRecord.Action.UPDATED,
            changes={"iteration": [f.iteration_id, latest[f.pk]], "followed": ["", "its stories"]},
            actor=who,
            at=now,
        )
        for f in changed
    )
    live.announce(records, changed)


def story_create(
    *,
    actor: Any,
    team: Team,
    title: str,
    feature: Feature | None = None,
    iteration: Iteration | None = None,
    points: int | None = None,
    state: str = Story.State.TODO,
    external_key: str | None = None,
) -> Story:
    story = Story(
        train_id=team.train_id,
        team=team,
        title=(title or "").strip(),
        feature=feature,
        iteration=iteration,
        points=points,
        state=state or Story.State.TODO,
        external_key=external_key,
    )
    with transaction.atomic():
        create_validated(actor=actor, obj=story)
        feature_follow_stories(feature_ids=[story.feature_id], actor=actor)
    return story


def story_update(*, actor: Any, story: Story, version: int | None = None, **changes: Any) -> Story:
    unknown = set(changes) - STORY_FIELDS
    if unknown:
        raise ValidationError({name: f"{name} cannot be changed here" for name in unknown})
    with transaction.atomic():
        current = Story.objects.select_related("iteration__pi", "feature__pi").get(pk=story.pk)
        moved = {k: v for k, v in changes.items() if differs(current, k, v)}
        # A team changes its own stories; moving one to another team needs both teams' seats.
        authorize(actor, Action.EDIT_TEAM, current.train_id, [current.team_id])
        if "team" in moved and moved["team"] is not None:
            authorize(actor, Action.EDIT_TEAM, current.train_id, [moved["team"].pk])
        _refuse_closed_plan(current, moved)
        before_feature = current.feature_id
        updated = update_fields(
            actor=actor, queryset=Story.objects.all(), pk=story.pk, changes=changes, version=version
        )
        if {"iteration", "feature"} & set(changes):
            feature_follow_stories(feature_ids=[before_feature, updated.feature_id], actor=actor)
    return updated


def story_move(
    *,
    actor: Any,
    story: Story,
    iteration: Iteration | None,
    team: Team | None = None,
    version: int | None = None,
) -> Story:
    """Place a story in an iteration (None: unplanned) and optionally another team. Never
    refused for conflicts it creates: the board shows them."""
    changes: dict[str, Any] = {"iteration": iteration}
    if team is not None:
        changes["team"] = team
    return story_update(actor=actor, story=story, version=version, **changes)


def story_delete(*, actor: Any, story: Story) -> None:
    with transaction.atomic():
        feature_id = story.feature_id
        delete_recorded(actor=actor, obj=story)
        feature_follow_stories(feature_ids=[feature_id], actor=actor)
