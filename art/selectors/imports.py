"""The preview of a Jira CSV import: what importing the file would do, row by row, computed
without writing (art.rules.jira_import reads the file, art.rules.jira_plan plans each row;
docs/domain.md, "Importing from Jira").

The train's cards, teams and the PI's iterations are loaded in a fixed number of queries,
whatever the number of rows: the cards by the keys the file names, in one query per kind."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from art.access import Action, can
from art.models import Feature, Iteration, ProgramIncrement, ReleaseTrain, Story, Team
from art.rules import jira_import as jira
from art.rules import jira_plan
from art.services.backlog import PLACEMENT_FIELDS, closed_plan_refusal


@dataclass
class JiraPreview:
    train: ReleaseTrain
    pi: ProgramIncrement
    export: jira.Export
    mapping: jira.ImportMapping
    plan: jira_plan.Plan
    teams: list[Team]
    iterations: list[Iteration]
    features: dict[str, Feature]  # the train's features the file names, by external key
    stories: dict[str, Story]

    @property
    def counts(self) -> dict[str, int]:
        return self.plan.counts

    @property
    def digest(self) -> str:
        return self.plan.digest


def import_limits() -> tuple[int, int]:
    """(bytes, rows): the largest export one import takes."""
    return settings.RAILYARD_IMPORT_MAX_BYTES, settings.RAILYARD_IMPORT_MAX_ROWS


def jira_export_read(data: bytes) -> jira.Export:
    """The export, or ValidationError on `file` naming the problem (`code="too_large"` when a
    size limit refused it)."""
    max_bytes, max_rows = import_limits()
    try:
        return jira.read_export(data, max_bytes=max_bytes, max_rows=max_rows)
    except jira.ExportError as exc:
        raise ValidationError(
            {"file": ValidationError(str(exc), code="too_large" if exc.too_large else "invalid")}
        ) from None


def import_pi_refusal(train: ReleaseTrain, pi: ProgramIncrement | None) -> str:
    """Why the import may not go into `pi` ("" when it may)."""
    if pi is None or pi.train_id != train.pk:
        return "pi must be a PI of this train"
    if pi.state == ProgramIncrement.State.CLOSED:
        return f"{pi.name} is closed: its plan is history; import into a PI in planning or executing"
    return ""


def jira_import_preview(
    *, actor: Any, train: ReleaseTrain, pi: ProgramIncrement | None, data: bytes, mapping: Any = None
) -> JiraPreview:
    """What importing `data` (a Jira CSV export) into `pi` would do, with the default mapping
    overlaid by `mapping` (art.rules.jira_import.parse_mapping). ValidationError naming `file`,
    `pi` or `mapping` when one cannot be used. Six queries, whatever the number of rows."""
    refusal = import_pi_refusal(train, pi)
    if refusal or pi is None:
        raise ValidationError({"pi": refusal})
    export = jira_export_read(data)
    teams = list(Team.objects.filter(train=train).order_by("name"))
    # With their PI, which a story's validation reads when the import writes it.
    iterations = list(Iteration.objects.filter(pi=pi).select_related("pi").order_by("number"))
    iteration_refs = [jira.Ref(i.pk, i.name, i.number, i.is_ip) for i in iterations]
    base = jira.default_mapping(
        export, iterations=iteration_refs, teams=[jira.Ref(t.pk, t.name) for t in teams]
    )
    chosen, errors = jira.parse_mapping(
        mapping, base, iteration_ids=[i.pk for i in iterations], team_ids=[t.pk for t in teams]
    )
    if errors:
        raise ValidationError({"mapping": errors})
    keys = {r.key for r in export.rows if r.key}
    parents = {p for r in export.rows for p in r.parents}
    features = {
        f.external_key or "": f
        for f in Feature.objects.filter(train=train, external_key__in=keys | parents).select_related("pi")
    }
    stories = {
        s.external_key or "": s
        for s in Story.objects.filter(train=train, external_key__in=keys).select_related(
            "iteration__pi", "feature__pi"
        )
    }
    titles = {r.parent_summary for r in export.rows if r.parent_summary}
    by_title: dict[str, list[jira_plan.Card]] = {}
    if titles:
        for f in Feature.objects.filter(train=train, title__in=titles, external_key__isnull=False):
            by_title.setdefault(jira.norm(f.title), []).append(_card(f))
    team_names = {t.pk: t.name for t in teams}

    def story_refusal(team_ids: list[int]) -> str:
        refused = [team_names.get(t, str(t)) for t in team_ids if not can_edit_stories(actor, train, t)]
        if not refused:
            return ""
        return (
            f"stories are their team's work: you may not change {' or '.join(refused)}'s stories "
            "(its members and the RTE may)"
        )

    plan = jira_plan.plan_import(
        export,
        chosen,
        pi_id=pi.pk,
        features={k: _card(f) for k, f in features.items()},
        stories={k: _card(s) for k, s in stories.items()},
        features_by_title=by_title,
        teams=team_names,
        iterations={i.id: i for i in iteration_refs},
        story_refusal=story_refusal,
    )
    _refuse_closed_plans(plan, features, stories)
    return JiraPreview(train, pi, export, chosen, plan, teams, iterations, features, stories)


def can_edit_stories(actor: Any, train: ReleaseTrain, team_id: int) -> bool:
    """The import changes a team's stories as story_update would let `actor` (None: Railyard)."""
    return actor is None or can(actor, Action.EDIT_TEAM, train.pk, [team_id])


def _card(obj: Feature | Story) -> jira_plan.Card:
    if isinstance(obj, Feature):
        return jira_plan.Card(
            "feature",
            obj.pk,
            obj.external_key or "",
            obj.title,
            obj.state,
            obj.points,
            obj.team_id,
            obj.version,
            feature_kind=obj.kind,
            pi_id=obj.pi_id,
        )
    return jira_plan.Card(
        "story",
        obj.pk,
        obj.external_key or "",
        obj.title,
        obj.state,
        obj.points,
        obj.team_id,
        obj.version,
        iteration_id=obj.iteration_id,
        feature_id=obj.feature_id,
    )


def _refuse_closed_plans(
    plan: jira_plan.Plan, features: dict[str, Feature], stories: dict[str, Story]
) -> None:
    """An update that would re-plan a card of a closed PI is skipped with the rule's words
    (art.services.backlog.closed_plan_refusal, which the services enforce)."""
    for row in plan.rows:
        if row.action != jira_plan.UPDATE:
            continue
        card: Feature | Story | None = (features if row.target == "feature" else stories).get(row.key)
        placement = {name: None for name in row.changes if name in PLACEMENT_FIELDS}
        refusal = closed_plan_refusal(card, placement) if card is not None and placement else None
        if refusal:
            row.skip(refusal)
