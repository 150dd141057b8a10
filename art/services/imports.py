"""Importing a Jira CSV export: the plan of its preview (art.selectors.imports) applied in one
transaction through the backlog's own services, which validate and record each change; and the
uploaded file kept between the preview and the import (docs/domain.md, "Importing from Jira")."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction

from art.access import Action, authorize
from art.models import Feature, ProgramIncrement, ReleaseTrain, Story
from art.rules import jira_plan
from art.selectors.imports import JiraPreview, jira_import_preview

from .backlog import feature_create, feature_update, story_create, story_update

#: Recorded with each state change the import makes (a move over a WIP limit needs a reason).
IMPORT_REASON = "imported from Jira"
PREVIEW_CHANGED = (
    "the import no longer matches the preview you saw (the file, the mapping or the train changed "
    "since): check the new preview and import again"
)


class PreviewChanged(ValidationError):
    """The plan differs from the one the preview showed: nothing was written."""

    def __init__(self, preview: JiraPreview):
        super().__init__({"preview": PREVIEW_CHANGED})
        self.preview = preview


@dataclass
class JiraImportResult:
    preview: JiraPreview
    cards: dict[int, Feature | Story] = field(default_factory=dict)  # row number -> the card written

    @property
    def counts(self) -> dict[str, int]:
        return self.preview.counts


def jira_import_apply(
    *,
    actor: Any,
    train: ReleaseTrain,
    pi: ProgramIncrement | None,
    data: bytes,
    mapping: Any = None,
    digest: str | None = None,
) -> JiraImportResult:
    """Import the export into `pi`: plan it again (the train may have changed since the preview)
    and, when `digest` is given, refuse with PreviewChanged unless the plan is the one previewed;
    then create and update the features, then the stories, through feature_create/feature_update
    and story_create/story_update, all in one transaction: one row refused, nothing written
    (ValidationError on `file` naming the row). Importing the same file again changes nothing."""
    authorize(actor, Action.EDIT_BACKLOG, train.pk)
    with transaction.atomic():
        preview = jira_import_preview(actor=actor, train=train, pi=pi, data=data, mapping=mapping)
        if digest is not None and digest != preview.digest:
            raise PreviewChanged(preview)
        result = JiraImportResult(preview)
        written: dict[str, Any] = {}
        teams = {t.pk: t for t in preview.teams}
        iterations = {i.pk: i for i in preview.iterations}
        rows = [r for r in preview.plan.rows if r.action in (jira_plan.CREATE, jira_plan.UPDATE)]
        for row in sorted(rows, key=lambda r: (r.target != "feature", r.row)):
            try:
                if row.target == "feature":
                    card: Feature | Story = _feature(actor, train, preview.pi, preview, row, teams)
                    written[row.key] = card
                else:
                    card = _story(actor, preview, row, teams, iterations, written)
            except ValidationError as exc:
                raise ValidationError({"file": _row_words(row, exc)}) from None
            result.cards[row.row] = card
    return result


def _row_words(row: jira_plan.RowPlan, exc: ValidationError) -> list[str]:
    items = exc.message_dict.items() if hasattr(exc, "error_dict") else [("", exc.messages)]
    return [
        f"row {row.row} ({row.key}) was refused, so nothing was imported: "
        f"{name + ': ' if name and name != '__all__' else ''}{message}"
        for name, messages in items
        for message in messages
    ]


def _feature(
    actor: Any,
    train: ReleaseTrain,
    pi: ProgramIncrement,
    preview: JiraPreview,
    row: jira_plan.RowPlan,
    teams: dict,
) -> Feature:
    values: dict[str, Any] = dict(row.values)
    related: dict[str, Any] = {
        "team": teams.get(values.pop("team", None)),
        "pi": pi if values.pop("pi", None) else None,
    }
    if row.action == jira_plan.CREATE:
        fields = {k: v for k, v in related.items() if v is not None}
        return feature_create(actor=actor, train=train, external_key=row.key, **values, **fields)
    changes: dict[str, Any] = {name: related.get(name, values.get(name)) for name in row.changes}
    if "state" in changes:
        changes["reason"] = IMPORT_REASON
    return feature_update(actor=actor, feature=preview.features[row.key], **changes)


def _story(
    actor: Any,
    preview: JiraPreview,
    row: jira_plan.RowPlan,
    teams: dict,
    iterations: dict,
    written: dict[str, Feature],
) -> Story:
    values: dict[str, Any] = dict(row.values)
    parent = values.pop("feature", None)
    feature = written.get(parent) or preview.features.get(parent) if parent else None
    related: dict[str, Any] = {
        "team": teams.get(values.pop("team", None)),
        "iteration": iterations.get(values.pop("iteration", None)),
        "feature": feature,
    }
    if row.action == jira_plan.CREATE:
        team = related.pop("team")
        if team is None:
            raise ValidationError({"team": "a story needs a team"})
        return story_create(actor=actor, team=team, external_key=row.key, **values, **related)
    changes = {name: related[name] if name in related else values[name] for name in row.changes}
    return story_update(actor=actor, story=preview.stories[row.key], **changes)


# --- the uploaded file, kept between the preview and the import ---------------------------------------


@dataclass(frozen=True)
class JiraUpload:
    token: str
    pi_id: int
    file_name: str
    data: bytes


def _upload_key(train: ReleaseTrain, user: Any) -> str:
    return f"railyard:jira-upload:{train.pk}:{user.pk}"


def jira_upload_keep(
    *, train: ReleaseTrain, user: Any, pi: ProgramIncrement, file_name: str, data: bytes
) -> JiraUpload:
    """Keep an uploaded export for its preview and import, in the cache for
    RAILYARD_IMPORT_UPLOAD_SECONDS: one per person and train (a new upload replaces it), never
    anyone else's. The token ties an import to the upload its preview showed."""
    upload = JiraUpload(uuid.uuid4().hex, pi.pk, file_name[:200], data)
    cache.set(_upload_key(train, user), upload, timeout=settings.RAILYARD_IMPORT_UPLOAD_SECONDS)
    return upload


def jira_upload_get(*, train: ReleaseTrain, user: Any) -> JiraUpload | None:
    found = cache.get(_upload_key(train, user))
    return found if isinstance(found, JiraUpload) else None


def jira_upload_forget(*, train: ReleaseTrain, user: Any) -> None:
    cache.delete(_upload_key(train, user))
