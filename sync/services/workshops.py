"""Inspect & Adapt's problem-solving workshop (docs/domain.md, "Inspect & Adapt"): one per PI,
run by the RTE (`manage_train`): the problem, its restatement and each participant's dots.
Everyone who takes part in the train (`take_part`: everyone but viewers) adds causes to the
fishbone with their whys, casts dots and brainstorms solutions; a cause or a solution is changed
or deleted by its author or the RTE.

The rules (categories, whys, dots, the Pareto chart) are art.rules.workshops'; the words of every
refusal come from there or from here, so that the page and the API say the same thing."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Sum

from art import rules
from art.access import Action, authorize, can
from art.errors import ConflictError
from art.models import ChangeRecord, ProgramIncrement
from art.services.common import (
    CONTROL_CHARACTERS,
    CONTROL_REFUSAL,
    LINE_BREAKS,
    author,
    create_validated,
    delete_recorded,
    record_change,
    stripped,
    update_fields,
)
from sync.models import Cause, CauseVote, Solution, Workshop

WORKSHOP_FIELDS = frozenset({"problem", "restated_problem", "dots_per_participant"})
CAUSE_FIELDS = frozenset({"category", "text", "whys"})
TEXT_REFUSAL = "text is required"
CAUSE_TEXT_MAX = 240
CAUSE_TEXT_LONG = f"text must be at most {CAUSE_TEXT_MAX} characters"
WHY_MAX = 240
WHY_LONG = f"whys: each why must be at most {WHY_MAX} characters"
WHYS_NOT_LIST = "whys must be a list of texts"
WHY_ONE_LINE = "whys: each why must be one line: line breaks are not allowed"
CAUSE_OTHER_WORKSHOP = "cause must be one of this workshop's causes"
DOTS_NOT_NUMBER = "dots must be a whole number"
#: Lowering the dots below what someone already placed is refused (product rule): nobody's dots
#: vanish behind their back; they take some back first, or the RTE picks a number they fit in.
DOTS_BELOW_PLACED = (
    "dots_per_participant: someone already placed {placed} dots; choose {placed} or more, "
    "or ask them to take dots back first"
)
AUTHOR_OR_RTE = "only the author of a {what} or the RTE may change or delete it"


def _author_or_rte(actor: Any, train_id: int, created_by_id: int | None, what: str) -> None:
    """A cause or a solution is its author's (and the RTE's) to change or delete."""
    authorize(actor, Action.TAKE_PART, train_id)
    if actor is None or can(actor, Action.MANAGE_TRAIN, train_id):
        return
    if created_by_id is None or created_by_id != actor.pk:
        raise PermissionDenied(AUTHOR_OR_RTE.format(what=what))


# --- the workshop ----------------------------------------------------------------------------


def workshop_open(*, actor: Any, pi: ProgramIncrement) -> Workshop:
    """The PI's workshop, opened by the RTE the first time (opening it again returns it)."""
    authorize(actor, Action.MANAGE_TRAIN, pi.train_id)
    existing = Workshop.objects.filter(pi=pi).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return create_validated(
                actor=actor, obj=Workshop(train_id=pi.train_id, pi=pi, created_by=author(actor))
            )
    except ValidationError:
        # Opened by someone else at the same moment: theirs is the PI's workshop.
        existing = Workshop.objects.filter(pi=pi).first()
        if existing is None:
            raise
        return existing


def most_dots_placed(workshop: Workshop) -> int:
    """The most dots any one participant has placed in the workshop (0 before any vote)."""
    per_voter = CauseVote.objects.filter(workshop=workshop).values("voter_id").annotate(total=Sum("dots"))
    return per_voter.aggregate(most=Max("total"))["most"] or 0


def workshop_update(
    *, actor: Any, workshop: Workshop, version: int | None = None, **changes: Any
) -> Workshop:
    """The RTE writes the problem and its restatement and sets each participant's dots (1–20;
    never below the most dots someone already placed). Based on a stale `version`, nothing
    changes (ConflictError with the current workshop)."""
    authorize(actor, Action.MANAGE_TRAIN, workshop.train_id)
    unknown = set(changes) - WORKSHOP_FIELDS
    if unknown:
        raise ValidationError({name: f"{name} cannot be changed here" for name in sorted(unknown)})
    for name in ("problem", "restated_problem"):
        if name in changes:
            changes[name] = stripped(changes[name])
    dots = changes.get("dots_per_participant")
    if "dots_per_participant" in changes and (
        isinstance(dots, bool) or not isinstance(dots, int) or not 1 <= dots <= rules.workshops.MAX_DOTS
    ):
        raise ValidationError({"dots_per_participant": rules.workshops.DOTS_RANGE_REFUSAL})
    with transaction.atomic():
        # The workshop's row is the lock every vote takes too: no dot lands between the check
        # and the save.
        current = Workshop.objects.select_for_update().get(pk=workshop.pk)
        if version is not None and int(version) != current.version:
            raise ConflictError(current, int(version))
        if dots is not None and dots < current.dots_per_participant:
            placed = most_dots_placed(current)
            if dots < placed:
                raise ValidationError({"dots_per_participant": DOTS_BELOW_PLACED.format(placed=placed)})
        return update_fields(
            actor=actor,
            queryset=Workshop.objects.all(),
            pk=current.pk,
            changes=changes,
            version=current.version,
        )


# --- causes on the fishbone ------------------------------------------------------------------


def clean_whys(whys: Any) -> list[str]:
    """A chain of whys as the rule reads it: a list of texts, each stripped."""
    if isinstance(whys, str) or not isinstance(whys, Iterable):
        raise ValidationError({"whys": WHYS_NOT_LIST})
    chain = list(whys)
    if any(not isinstance(why, str) for why in chain):
        raise ValidationError({"whys": WHYS_NOT_LIST})
    return [why.strip() for why in chain]


def _cause_errors(values: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if "category" in values:
        refusal = rules.workshops.category_refusal(values["category"])
        if refusal:
            errors["category"] = refusal
    if "text" in values:
        if not values["text"]:
            errors["text"] = TEXT_REFUSAL
        elif len(values["text"]) > CAUSE_TEXT_MAX:
            errors["text"] = CAUSE_TEXT_LONG
    if "whys" in values:
        refusal = rules.workshops.whys_refusal(values["whys"])
        if refusal:
            errors["whys"] = refusal
        elif any(len(why) > WHY_MAX for why in values["whys"]):
            errors["whys"] = WHY_LONG
        elif any(CONTROL_CHARACTERS.search(why) for why in values["whys"]):
            errors["whys"] = CONTROL_REFUSAL.format(name="whys")
        elif any(LINE_BREAKS.search(why) for why in values["whys"]):
            errors["whys"] = WHY_ONE_LINE
    return errors


def cause_add(*, actor: Any, workshop: Workshop, category: str, text: str, whys: Iterable[str] = ()) -> Cause:
    """Put a cause on one of the fishbone's six bones, with its chain of whys (at most five)."""
    authorize(actor, Action.TAKE_PART, workshop.train_id)
    values = {"category": category, "text": stripped(text), "whys": clean_whys(whys)}
    errors = _cause_errors(values)
    if errors:
        raise ValidationError(errors)
    return create_validated(actor=actor, obj=Cause(workshop=workshop, created_by=author(actor), **values))


def cause_update(*, actor: Any, cause: Cause, version: int | None = None, **changes: Any) -> Cause:
    """Its author or the RTE changes a cause's bone, words or whys (adding a why is a change of
    the whys). Based on a stale `version`, nothing changes."""
    train_id = Workshop.objects.values_list("train_id", flat=True).get(pk=cause.workshop_id)
    _author_or_rte(actor, train_id, cause.created_by_id, "cause")
    unknown = set(changes) - CAUSE_FIELDS
    if unknown:
        raise ValidationError({name: f"{name} cannot be changed here" for name in sorted(unknown)})
    if "text" in changes:
        changes["text"] = stripped(changes["text"])
    if "whys" in changes:
        changes["whys"] = clean_whys(changes["whys"])
    errors = _cause_errors(changes)
    if errors:
        raise ValidationError(errors)
    return update_fields(
        actor=actor, queryset=Cause.objects.all(), pk=cause.pk, changes=changes, version=version
    )


def cause_delete(*, actor: Any, cause: Cause) -> None:
    """Its author or the RTE takes a cause off the fishbone, with its dots; the history keeps it."""
    train_id = Workshop.objects.values_list("train_id", flat=True).get(pk=cause.workshop_id)
    _author_or_rte(actor, train_id, cause.created_by_id, "cause")
    delete_recorded(actor=actor, obj=cause)


# --- the dot vote ----------------------------------------------------------------------------


def cause_vote(*, actor: Any, cause: Cause, dots: Any) -> CauseVote | None:
    """Set the dots the actor puts on one cause (replacing what they had there; 0 takes them
    all back). Refused beyond the dots they have left (art.rules.workshops.vote_refusal). The
    workshop's row is locked first, so two votes of one person at the same moment cannot place
    more dots than they have. Returns the vote, or None when it was taken back."""
    if isinstance(dots, bool) or not isinstance(dots, int):
        raise ValidationError({"dots": DOTS_NOT_NUMBER})
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("a dot vote is cast by a person: sign in")
    with transaction.atomic():
        workshop = Workshop.objects.select_for_update().get(pk=cause.workshop_id)
        authorize(actor, Action.TAKE_PART, workshop.train_id)
        if not Cause.objects.filter(pk=cause.pk, workshop=workshop).exists():
            raise ValidationError({"cause": CAUSE_OTHER_WORKSHOP})
        mine = {
            cause_id: placed
            for cause_id, placed in CauseVote.objects.filter(workshop=workshop, voter=actor).values_list(
                "cause_id", "dots"
            )
        }
        before = mine.get(cause.pk, 0)
        refusal = rules.workshops.vote_refusal(
            allowance=workshop.dots_per_participant,
            used_elsewhere=sum(placed for cause_id, placed in mine.items() if cause_id != cause.pk),
            dots=dots,
        )
        if refusal:
            raise ValidationError({"dots": refusal})
        vote = CauseVote.objects.filter(cause=cause, voter=actor).first()
        if dots == before:
            return vote
        if dots == 0:
            assert vote is not None
            record_change(
                actor=actor,
                obj=vote,
                action=ChangeRecord.Action.DELETED,
                changes={"cause": [cause.pk, None], "dots": [before, 0]},
                train_id=workshop.train_id,
            )
            vote.delete()
            return None
        try:
            with transaction.atomic():
                if vote is None:
                    vote = CauseVote.objects.create(workshop=workshop, cause=cause, voter=actor, dots=dots)
                else:
                    vote.dots = dots
                    vote.save(update_fields=["dots", "updated_at"])
        except IntegrityError:  # pragma: no cover - the workshop lock rules this out
            raise ValidationError({"dots": "your vote changed at the same moment; try again"})
        record_change(
            actor=actor,
            obj=vote,
            action=ChangeRecord.Action.UPDATED if before else ChangeRecord.Action.CREATED,
            changes={"cause": [cause.pk, cause.pk], "dots": [before, dots]},
            train_id=workshop.train_id,
        )
        return vote


# --- solutions -------------------------------------------------------------------------------

SOLUTION_TEXT_MAX = 1000


def solution_add(*, actor: Any, workshop: Workshop, text: str, cause: Cause | None = None) -> Solution:
    """A solution brainstormed for one of the workshop's causes, or for the problem as a whole."""
    authorize(actor, Action.TAKE_PART, workshop.train_id)
    errors: dict[str, str] = {}
    text = stripped(text)
    if not text:
        errors["text"] = TEXT_REFUSAL
    elif len(text) > SOLUTION_TEXT_MAX:
        errors["text"] = f"text must be at most {SOLUTION_TEXT_MAX} characters"
    if cause is not None and cause.workshop_id != workshop.pk:
        errors["cause"] = CAUSE_OTHER_WORKSHOP
    if errors:
        raise ValidationError(errors)
    return create_validated(
        actor=actor, obj=Solution(workshop=workshop, cause=cause, text=text, created_by=author(actor))
    )


def solution_delete(*, actor: Any, solution: Solution) -> None:
    train_id = Workshop.objects.values_list("train_id", flat=True).get(pk=solution.workshop_id)
    _author_or_rte(actor, train_id, solution.created_by_id, "solution")
    delete_recorded(actor=actor, obj=solution)
