"""PI-planning readiness: the items of the checklist the RTE ticks by hand (the others tick
themselves: art.rules.readiness). Each tick is recorded in the history with who and when."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from art import rules
from art.access import Action, authorize
from art.models import ChangeRecord, ProgramIncrement
from art.services.common import author, record_change, snapshot, stripped, text_errors
from sync.models import ReadinessCheck

NOTE_LENGTH = 240
NOTE_REFUSAL = f"note must be at most {NOTE_LENGTH} characters"


def readiness_check_set(
    *, actor: Any, pi: ProgramIncrement, item: str, done: bool, note: str = ""
) -> ReadinessCheck:
    """Tick (or untick) one manual item of `pi`'s readiness, with an optional note (the RTE:
    `manage_train`). Ticking stamps who and when; unticking clears them. Recorded as a change
    of the check; setting what is already there records nothing."""
    authorize(actor, Action.MANAGE_TRAIN, pi.train_id)
    errors: dict[str, str | list[str]] = {}
    if item not in rules.readiness.MANUAL_KEYS:
        errors["item"] = rules.readiness.MANUAL_KEY_REFUSAL
    note = stripped(note)
    if len(note) > NOTE_LENGTH:
        errors["note"] = NOTE_REFUSAL
    errors.update(text_errors(ReadinessCheck(pi=pi, item=item, note=note)))
    if errors:
        raise ValidationError(errors)
    fields = ["done", "note", "checked_by", "checked_at"]
    with transaction.atomic():
        check, created = ReadinessCheck.objects.select_for_update().get_or_create(pi=pi, item=item)
        before = snapshot(check, fields)
        if created or bool(done) != check.done:
            check.checked_by = author(actor) if done else None
            check.checked_at = timezone.now() if done else None
        check.done = bool(done)
        check.note = note
        after = snapshot(check, fields)
        changed = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
        if changed or created:
            check.save()
            record_change(
                actor=actor,
                obj=check,
                action=ChangeRecord.Action.CREATED if created else ChangeRecord.Action.UPDATED,
                changes={"item": [None, item], **changed} if created else changed,
            )
    return check
