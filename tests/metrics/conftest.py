"""Helpers for the metrics tests: features with a back-dated state history, dependencies with
given dates, objectives with given business values."""

from __future__ import annotations

import datetime as dt

import pytest

from art.models import Feature, FeatureTransition
from pi_planning.models import Dependency
from tests.art.factories import FeatureFactory
from tests.pi_planning.factories import DependencyFactory


def utc(day: int, hour: float = 0, month: int = 5, year: int = 2026) -> dt.datetime:
    """`utc(3, 12)`: 3 May 2026 12:00 UTC."""
    return dt.datetime(year, month, day, tzinfo=dt.UTC) + dt.timedelta(hours=hour)


def make_feature(train, *history, team=None, kind="business", points=None, pi=None, created=None, title=None):
    """A feature with the given (state, at) history, inserted as is (back-dated, as imports do);
    its state is the last one. `created` defaults to the first transition."""
    feature = FeatureFactory(
        train=train,
        team=team,
        kind=kind,
        points=points,
        pi=pi,
        state=history[-1][0],
        created_at=created or history[0][1],
        **({"title": title} if title else {}),
    )
    previous = ""
    rows = []
    for state, at in history:
        rows.append(FeatureTransition(feature=feature, from_state=previous, to_state=state, at=at))
        previous = state
    FeatureTransition.objects.bulk_create(rows)
    return feature


def make_dependency(pi, requester, provider, created, resolved=None):
    dependency = DependencyFactory(
        pi=pi,
        requester_team=requester,
        provider_team=provider,
        state=Dependency.State.DELIVERED if resolved else Dependency.State.REQUESTED,
        resolved_at=resolved,
    )
    Dependency.objects.filter(pk=dependency.pk).update(created_at=created)
    dependency.refresh_from_db()
    return dependency


@pytest.fixture
def flow_train(world):
    """The world's train (UTC) with three features over 1–8 May 2026, worked by hand:

    A (Alpha, 5 pts): funnel 1 May 08:00 → analyzing 2 May 08:00 → ready 3 May 12:00 →
      in_progress 4 May 08:00 → blocked 5 May 08:00 → in_progress 6 May 08:00 → review 7 May
      08:00 → done 8 May 00:00 (exactly midnight: it belongs to 8 May).
    B (Bravo, 3 pts, reopened): funnel 1 May 08:00 → ready 2 May 08:00 → in_progress 3 May 08:00
      → done 4 May 10:00 → in_progress 6 May 09:00 → done 7 May 10:00.
    C (no team, defect, 2 pts): funnel 1 May 08:00 → ready 5 May 10:00 → cancelled 6 May 10:00.
    """
    train = world.train
    a = make_feature(
        train,
        ("funnel", utc(1, 8)),
        ("analyzing", utc(2, 8)),
        ("ready", utc(3, 12)),
        ("in_progress", utc(4, 8)),
        ("blocked", utc(5, 8)),
        ("in_progress", utc(6, 8)),
        ("review", utc(7, 8)),
        ("done", utc(8)),
        team=world.team,
        points=5,
        title="A",
    )
    b = make_feature(
        train,
        ("funnel", utc(1, 8)),
        ("ready", utc(2, 8)),
        ("in_progress", utc(3, 8)),
        ("done", utc(4, 10)),
        ("in_progress", utc(6, 9)),
        ("done", utc(7, 10)),
        team=world.other_team,
        points=3,
        title="B",
    )
    c = make_feature(
        train,
        ("funnel", utc(1, 8)),
        ("ready", utc(5, 10)),
        ("cancelled", utc(6, 10)),
        kind=Feature.Kind.DEFECT,
        points=2,
        title="C",
    )
    world.features = {"A": a, "B": b, "C": c}
    return world
