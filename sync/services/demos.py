"""System demos: one per development iteration, the record of what the train showed and how it
was received.

- The RTE runs the demo (`run_events`): prepares it (its items default to the features finished
  in the iteration), adds, removes and orders the features shown, writes the summary and marks it
  held (held_at) or planned again.
- Business owners and the RTE (`score_bv` or `run_events`) decide each item: accepted, not
  accepted or not decided, with notes.
- Everyone who takes part (`take_part`: all but viewers) adds stakeholder feedback notes; only the
  RTE or the note's author deletes one.
The words of every refusal come from here (and art.rules.releases), so that the page and the API
say the same thing.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone

from art.access import Action, authorize, can, can_see, seat
from art.errors import ConflictError
from art.models import Feature, Iteration, Membership
from art.rules import releases
from art.services.common import author, create_validated, delete_recorded, stripped, update_fields
from sync.models import DemoFeedback, DemoItem, SystemDemo
from sync.selectors.releases import finished_items

DEMO_FIELDS = frozenset({"summary", "state"})
ITEM_FIELDS = frozenset({"outcome", "notes"})
STATE_REFUSAL = f"state must be one of {', '.join(SystemDemo.State.values)}"
OUTCOME_REFUSAL = f"outcome must be one of {', '.join(DemoItem.Outcome.values)}"
FEATURE_OTHER_TRAIN = "feature must be one of this train's features"
TEXT_REFUSAL = "text is required: what did the stakeholder say?"
FEEDBACK_FEATURE_REFUSAL = "feature must be one of the features shown at this demo"
DECIDE_REFUSAL = "As {role} you may not decide whether a feature is accepted (business owners and the RTE)."
DELETE_NOTE_REFUSAL = "Only the RTE or the person who wrote a feedback note deletes it."


def _role_words(actor: Any, train_id: int) -> str:
    s = seat(actor, train_id)
    return Membership.Role(s.role).label if s else "staff"


def may_decide(actor: Any, train_id: int) -> bool:
    """Business owners and the RTE decide whether a shown feature is accepted."""
    return can(actor, Action.SCORE_BV, train_id) or can(actor, Action.RUN_EVENTS, train_id)


def may_delete_feedback(actor: Any, feedback: DemoFeedback, train_id: int) -> bool:
    if not can(actor, Action.TAKE_PART, train_id):
        return False
    return can(actor, Action.RUN_EVENTS, train_id) or (
        feedback.created_by_id is not None and feedback.created_by_id == getattr(actor, "pk", None)
    )


def check_decide(actor: Any, train_id: int) -> None:
    """Business owners and the RTE decide items: 404 outside the train, 403 in words otherwise."""
    _check_visible(actor, train_id)
    if actor is not None and not may_decide(actor, train_id):
        raise PermissionDenied(DECIDE_REFUSAL.format(role=_role_words(actor, train_id)))


def _check_visible(actor: Any, train_id: int) -> None:
    if actor is not None and not can_see(actor, train_id):
        raise Http404("No such train")


# --- the demo ----------------------------------------------------------------------------------


def system_demo_prepare(*, actor: Any, iteration: Iteration) -> tuple[SystemDemo, bool]:
    """The system demo of a development iteration, made if it does not exist yet, with the
    features finished in the iteration as its items (in the order they were finished). Preparing
    again answers the demo as it is: (demo, created)."""
    train = iteration.pi.train
    authorize(actor, Action.RUN_EVENTS, train.pk)
    if iteration.is_ip:
        raise ValidationError({"iteration": releases.ip_iteration_refusal(iteration.name)})
    with transaction.atomic():
        # One writer at a time per iteration: two RTEs preparing at once get one demo.
        Iteration.objects.select_for_update().filter(pk=iteration.pk).first()
        existing = SystemDemo.objects.filter(iteration=iteration).first()
        if existing is not None:
            return existing, False
        demo = create_validated(
            actor=actor,
            obj=SystemDemo(train=train, iteration=iteration, created_by=author(actor)),
        )
        finished = sorted(
            finished_items(train, iteration.start_date, iteration.end_date), key=lambda i: (i.done_at, i.id)
        )
        # The features themselves (one query), which each item's history entry names.
        features = Feature.objects.in_bulk([item.id for item in finished])
        for position, item in enumerate(finished):
            item_row = DemoItem(demo=demo, feature=features[item.id], position=position)
            create_validated(actor=actor, obj=item_row)
    return demo, True


def system_demo_update(
    *, actor: Any, demo: SystemDemo, version: int | None = None, **changes: Any
) -> SystemDemo:
    """Write the summary, mark the demo held (held_at now) or planned again (held_at cleared).
    Based on a stale `version`, nothing changes (ConflictError with the current demo)."""
    authorize(actor, Action.RUN_EVENTS, demo.train_id)
    unknown = set(changes) - DEMO_FIELDS
    if unknown:
        raise ValidationError({name: f"{name} cannot be changed here" for name in sorted(unknown)})
    if "summary" in changes:
        changes["summary"] = stripped(changes["summary"])
    if "state" in changes and changes["state"] not in SystemDemo.State.values:
        raise ValidationError({"state": STATE_REFUSAL})
    with transaction.atomic():
        current = SystemDemo.objects.select_for_update().get(pk=demo.pk)
        if version is not None and int(version) != current.version:
            raise ConflictError(current, int(version))
        state = changes.get("state", current.state)
        if state != current.state:
            changes["held_at"] = timezone.now() if state == SystemDemo.State.HELD else None
        return update_fields(
            actor=actor,
            queryset=SystemDemo.objects.all(),
            pk=current.pk,
            changes=changes,
            version=current.version,
        )


# --- the features shown ------------------------------------------------------------------------


def demo_item_add(*, actor: Any, demo: SystemDemo, feature: Feature) -> DemoItem:
    """Show one more feature of the train at the demo, last."""
    authorize(actor, Action.RUN_EVENTS, demo.train_id)
    if feature.train_id != demo.train_id:
        raise ValidationError({"feature": FEATURE_OTHER_TRAIN})
    with transaction.atomic():
        SystemDemo.objects.select_for_update().filter(pk=demo.pk).first()
        if DemoItem.objects.filter(demo=demo, feature=feature).exists():
            raise ValidationError({"feature": f"{feature.key} is already on this demo"})
        last = DemoItem.objects.filter(demo=demo).aggregate(last=Max("position"))["last"]
        item = DemoItem(demo=demo, feature=feature, position=0 if last is None else last + 1)
        return create_validated(actor=actor, obj=item)


def demo_item_update(*, actor: Any, item: DemoItem, version: int | None = None, **changes: Any) -> DemoItem:
    """Decide an item (accepted, not accepted, not decided) and write its notes. Business owners
    and the RTE. Based on a stale `version`, nothing changes (ConflictError with the current item)."""
    check_decide(actor, item.demo.train_id)
    unknown = set(changes) - ITEM_FIELDS
    if unknown:
        raise ValidationError({name: f"{name} cannot be changed here" for name in sorted(unknown)})
    if "notes" in changes:
        changes["notes"] = stripped(changes["notes"])
    if "outcome" in changes and changes["outcome"] not in DemoItem.Outcome.values:
        raise ValidationError({"outcome": OUTCOME_REFUSAL})
    return update_fields(
        actor=actor,
        queryset=DemoItem.objects.select_related("demo"),
        pk=item.pk,
        changes=changes,
        version=version,
    )


def demo_item_move(*, actor: Any, item: DemoItem, position: int, version: int | None = None) -> DemoItem:
    """Show an item at another place in the demo's order (0 first; beyond the end: last). The
    other items close up around it; only the moved item's history records the move."""
    authorize(actor, Action.RUN_EVENTS, item.demo.train_id)
    if position < 0:
        raise ValidationError({"position": "position must be 0 or more"})
    with transaction.atomic():
        SystemDemo.objects.select_for_update().filter(pk=item.demo_id).first()
        current = DemoItem.objects.get(pk=item.pk)
        if version is not None and int(version) != current.version:
            raise ConflictError(current, int(version))
        order = list(
            DemoItem.objects.filter(demo_id=item.demo_id).exclude(pk=item.pk).order_by("position", "id")
        )
        target = min(position, len(order))
        order.insert(target, current)
        others = []
        for index, row in enumerate(order):
            if row.pk != current.pk and row.position != index:
                row.position = index
                others.append(row)
        DemoItem.objects.bulk_update(others, ["position"])
        return update_fields(
            actor=actor,
            queryset=DemoItem.objects.select_related("demo"),
            pk=current.pk,
            changes={"position": target},
            version=current.version,
        )


def demo_item_remove(*, actor: Any, item: DemoItem) -> None:
    """Take a feature off the demo (its history keeps what it was)."""
    authorize(actor, Action.RUN_EVENTS, item.demo.train_id)
    delete_recorded(actor=actor, obj=item)


# --- stakeholder feedback ------------------------------------------------------------------------


def demo_feedback_add(
    *, actor: Any, demo: SystemDemo, text: str, stakeholder: str = "", feature: Feature | None = None
) -> DemoFeedback:
    """Note what a stakeholder said, on one of the features shown or on the whole increment."""
    authorize(actor, Action.TAKE_PART, demo.train_id)
    errors: dict[str, str] = {}
    if not stripped(text):
        errors["text"] = TEXT_REFUSAL
    if feature is not None:
        if feature.train_id != demo.train_id:
            errors["feature"] = FEATURE_OTHER_TRAIN
        elif not DemoItem.objects.filter(demo=demo, feature=feature).exists():
            errors["feature"] = FEEDBACK_FEATURE_REFUSAL
    if "\n" in stakeholder or "\r" in stakeholder:
        errors["stakeholder"] = "stakeholder is a name: it cannot hold line breaks"
    if errors:
        raise ValidationError(errors)
    note = DemoFeedback(
        demo=demo,
        feature=feature,
        stakeholder=stripped(stakeholder),
        text=stripped(text),
        created_by=author(actor),
    )
    return create_validated(actor=actor, obj=note)


def demo_feedback_delete(*, actor: Any, feedback: DemoFeedback) -> None:
    """The RTE, or the person who wrote it, deletes a feedback note (the history keeps it)."""
    train_id = feedback.demo.train_id
    _check_visible(actor, train_id)
    if actor is not None and not may_delete_feedback(actor, feedback, train_id):
        authorize(actor, Action.TAKE_PART, train_id)  # a viewer: "you may only read this train"
        raise PermissionDenied(DELETE_NOTE_REFUSAL)
    delete_recorded(actor=actor, obj=feedback)
