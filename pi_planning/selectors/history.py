"""The change history shown on each card: who changed what and when, with ids read as names."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

from django.db import models

from art import rules
from art.models import ChangeRecord, Feature, Iteration, ProgramIncrement, Team
from pi_planning.models import Dependency, Objective, Risk

EMPTY = "—"


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class HistoryEntry:
    actor: str
    at: dt.datetime
    action: str  # created, updated, deleted
    changes: tuple[FieldChange, ...]

    @property
    def verb(self) -> str:
        return {"created": "created it", "deleted": "deleted it"}.get(self.action, "changed")


#: Fields each card's history shows, with their labels (bookkeeping fields stay out).
HISTORY_FIELDS: dict[type[models.Model], dict[str, str]] = {
    Objective: {
        "title": "Title",
        "description": "Description",
        "committed": "Commitment",
        "planned_bv": "Planned BV",
        "actual_bv": "Actual BV",
        "features": "Features",
        "external_key": "Key",
    },
    Dependency: {
        "title": "Title",
        "description": "Description",
        "state": "State",
        "provider_team": "Provider",
        "external_provider": "External provider",
        "feature": "Feature",
        "provider_feature": "Provider feature",
        "needed_by": "Needed by",
        "committed_iteration": "Committed iteration",
        "owner": "Owner",
        "external_key": "Key",
    },
    Risk: {
        "title": "Title",
        "description": "Description",
        "roam": "ROAM",
        "owner": "Owner",
        "mitigation_plan": "Mitigation plan",
        "team": "Team",
        "pi": "PI",
        "external_key": "Key",
    },
}


#: On creation, only these are worth repeating in the history (the card shows the rest).
CREATED_FIELDS = {"state", "roam", "owner", "committed", "planned_bv", "actual_bv", "committed_iteration"}


@dataclass
class Labels:
    """How ids in the history read: team, iteration, feature and PI names."""

    teams: Mapping[int, str] = field(default_factory=dict)
    iterations: Mapping[int, str] = field(default_factory=dict)
    features: Mapping[int, str] = field(default_factory=dict)
    pis: Mapping[int, str] = field(default_factory=dict)

    def value(self, model: type[models.Model], name: str, value: Any) -> str:
        if value is None or value == "" or value == []:
            return EMPTY
        lookups: dict[str, Callable[[Any], str]] = {
            "provider_team": lambda v: self.teams.get(v, f"team {v}"),
            "team": lambda v: self.teams.get(v, f"team {v}"),
            "needed_by": lambda v: self.iterations.get(v, f"iteration {v}"),
            "committed_iteration": lambda v: self.iterations.get(v, f"iteration {v}"),
            "feature": lambda v: self.features.get(v, f"feature {v}"),
            "provider_feature": lambda v: self.features.get(v, f"feature {v}"),
            "pi": lambda v: self.pis.get(v, f"PI {v}"),
            "features": lambda v: ", ".join(self.features.get(i, f"feature {i}") for i in v) or EMPTY,
            "state": lambda v: rules.dependencies.DEPENDENCY_STATE_LABELS.get(v, v),
            "roam": lambda v: Risk.Roam(v).label if v in Risk.Roam.values else v,
            "committed": lambda v: "committed" if v else "uncommitted (stretch)",
        }
        if name in lookups:
            return lookups[name](value)
        text = str(value)
        return text if len(text) <= 120 else text[:117] + "…"


def _feature_ids(rows: Sequence[Mapping[str, Any]]) -> set[int]:
    ids: set[int] = set()
    for row in rows:
        for name in ("feature", "provider_feature", "features"):
            pair = (row["changes"] or {}).get(name)
            for value in pair if isinstance(pair, list | tuple) else ():
                if isinstance(value, int):
                    ids.add(value)
                elif isinstance(value, list | tuple):
                    ids.update(v for v in value if isinstance(v, int))
    return ids


def _records(model: type[models.Model], pks: Iterable[int]) -> models.QuerySet[ChangeRecord]:
    meta = model._meta
    return ChangeRecord.objects.filter(
        content_type__app_label=meta.app_label, content_type__model=meta.model_name, object_id__in=list(pks)
    )


def histories(objects: Sequence[models.Model], labels: Labels | None = None) -> dict[int, list[HistoryEntry]]:
    """The change history of each object (all of one model), newest first: one query, and one
    more for the names of features the history mentions that `labels` does not know."""
    if not objects:
        return {}
    model = type(objects[0])
    shown = HISTORY_FIELDS.get(model, {})
    labels = labels or Labels()
    rows = list(
        _records(model, (o.pk for o in objects))
        .order_by("-at", "-id")
        .values(
            "object_id", "action", "changes", "at", "actor__username", "actor__first_name", "actor__last_name"
        )
    )
    missing = _feature_ids(rows) - set(labels.features)
    if missing:
        labels.features = {
            **labels.features,
            **{
                pk: f"{rules.keys.card_key(rules.keys.FEATURE, number, key)} {title}"
                for pk, number, key, title in Feature.objects.filter(pk__in=missing).values_list(
                    "id", "number", "external_key", "title"
                )
            },
        }
    out: dict[int, list[HistoryEntry]] = defaultdict(list)
    for row in rows:
        changes = []
        for name, pair in (row["changes"] or {}).items():
            if name not in shown or not isinstance(pair, list | tuple) or len(pair) != 2:
                continue
            if row["action"] == ChangeRecord.Action.CREATED and name not in CREATED_FIELDS:
                continue
            before, after = (labels.value(model, name, v) for v in pair)
            changes.append(FieldChange(name, shown[name], before, after))
        full_name = f"{row['actor__first_name'] or ''} {row['actor__last_name'] or ''}".strip()
        who = full_name or row["actor__username"] or "Railyard"
        out[row["object_id"]].append(HistoryEntry(who, row["at"], row["action"], tuple(changes)))
    return out


def history_counts(objects: Sequence[models.Model]) -> dict[int, int]:
    """How many changes each object's history holds (one query), for cards that load their
    history when it is opened."""
    if not objects:
        return {}
    return dict(
        _records(type(objects[0]), (o.pk for o in objects))
        .values("object_id")
        .annotate(n=models.Count("id"))
        .values_list("object_id", "n")
    )


class _WithHistory(Protocol):
    history: list[HistoryEntry]
    history_count: int


def attach_histories(objects: Sequence[models.Model], labels: Labels | None = None) -> None:
    """Set `history` and `history_count` on each object."""
    found = histories(objects, labels)
    for obj in objects:
        card = cast(_WithHistory, obj)
        card.history = found.get(obj.pk, [])
        card.history_count = len(card.history)


def train_labels(train_id: int, *, pi_id: int | None = None) -> Labels:
    """Names for the ids in histories: the train's teams, iterations (short names for those of
    `pi_id`, "PI · iteration" for others) and PIs: three queries."""
    pis = dict(ProgramIncrement.objects.filter(train_id=train_id).values_list("id", "name"))
    iterations = {
        pk: (name if iteration_pi == pi_id else f"{pis.get(iteration_pi, '')} · {name}")
        for pk, name, iteration_pi in Iteration.objects.filter(pi__train_id=train_id).values_list(
            "id", "name", "pi_id"
        )
    }
    teams = dict(Team.objects.filter(train_id=train_id).values_list("id", "name"))
    return Labels(teams=teams, iterations=iterations, pis=pis)
