"""Reads of features with their state history, for the flow rules (art.rules.flow): shared by
the metrics (metrics.selectors), the ART Kanban's aging threshold and the release notes."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet, Subquery

from art import rules
from art.models import Feature, FeatureState, FeatureTransition, ReleaseTrain

__all__ = [
    "FeatureInfo",
    "done_features",
    "features_with_last_transition",
    "finished_features",
    "histories",
]


def _last_transition(column: str) -> Subquery:
    """The feature's latest transition (by at, then id: the order rules.flow.FeatureHistory
    sorts in): its state is the feature's state now, and if that is done its `at` is the
    feature's done_at (rules.flow.done_at)."""
    return Subquery(
        FeatureTransition.objects.filter(feature=OuterRef("pk")).order_by("-at", "-id").values(column)[:1]
    )


def features_with_last_transition(train: ReleaseTrain) -> QuerySet[Feature]:
    return Feature.objects.filter(train=train).annotate(
        last_state=_last_transition("to_state"), last_at=_last_transition("at")
    )


def done_features(train: ReleaseTrain) -> QuerySet[Feature]:
    """Features done now, annotated with `last_at` = their done_at."""
    return features_with_last_transition(train).filter(last_state=FeatureState.DONE)  # type: ignore[misc]


@dataclass(frozen=True)
class FeatureInfo:
    """What pages show of a feature beside its history (the cycle-time scatter's table)."""

    id: int
    key: str
    title: str
    team: str


def histories(features: QuerySet[Feature]) -> tuple[list[rules.flow.FeatureHistory], dict[int, FeatureInfo]]:
    """The features of a queryset as rules.flow.FeatureHistory, with their whole state
    history: two queries, whatever their number."""
    rows = list(
        features.order_by("id").values_list(
            "id", "kind", "points", "created_at", "number", "external_key", "title", "team__name"
        )
    )
    transitions: dict[int, list[tuple[str, dt.datetime]]] = defaultdict(list)
    for feature_id, state, at in (
        FeatureTransition.objects.filter(feature__in=features.values("id"))
        .order_by("feature_id", "at", "id")
        .values_list("feature_id", "to_state", "at")
    ):
        transitions[feature_id].append((state, at))
    result, info = [], {}
    for fid, kind, points, created_at, number, external_key, title, team in rows:
        history = [rules.flow.Transition(state, at) for state, at in transitions.get(fid, [])]
        result.append(rules.flow.FeatureHistory(fid, kind, points, created_at, history))
        info[fid] = FeatureInfo(
            fid, rules.keys.card_key(rules.keys.FEATURE, number, external_key), title, team or ""
        )
    return result, info


def finished_features(train: ReleaseTrain, lo: dt.datetime, hi: dt.datetime) -> QuerySet[Feature]:
    """Features done now whose done_at falls in [lo, hi)."""
    return done_features(train).filter(last_at__gte=lo, last_at__lt=hi)  # type: ignore[misc]
