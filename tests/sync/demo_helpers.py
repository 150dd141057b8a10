"""Helpers of the system demo and release notes tests: the world's train in Berlin with features
finished in PI 26.1's iterations, worked by hand.

PI 26.1 (Berlin): Iteration 1 Mon 5 – Sun 18 Jan 2026, Iteration 2 Mon 19 Jan – Sun 1 Feb,
Iteration 3 Mon 2 – Sun 15 Feb, Iteration 4 Mon 16 Feb – Sun 1 Mar, IP Mon 2 – Sun 15 Mar.

| feature | kind | team | history (UTC) | done_at in Berlin | counts in |
|---|---|---|---|---|---|
| A | business, 5 pts | Alpha | ready 10 Jan, done 20 Jan 10:00 | 20 Jan | Iteration 2 |
| B (PAY-7) | enabler, 8 pts | Bravo | done 25 Jan, in progress 27, done 30 Jan 09:00 | 30 Jan | It. 2, once |
| C | defect, no points | none | done 1 Feb 22:30 | 1 Feb 23:30 | Iteration 2 (its last day) |
| D | business, 3 pts | Alpha | done 1 Feb 23:30 | 2 Feb 00:30 | Iteration 3 (the next day) |
| E | business | Alpha | done 22 Jan, cancelled 24 Jan | – | nowhere (cancelled) |
| F | business, 2 pts | Bravo | done 20 Jan, in progress 26 Jan, done 3 Feb 12:00 | 3 Feb | Iteration 3 |
| G | defect, 1 pt | Alpha | done 10 Jan 08:00 | 10 Jan | Iteration 1 |
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from art.models import Feature, Iteration
from tests.metrics.conftest import make_feature


def utc(month: int, day: int, hour: float = 12) -> dt.datetime:
    return dt.datetime(2026, month, day, tzinfo=dt.UTC) + dt.timedelta(hours=hour)


@dataclass
class DemoWorld:
    world: object
    features: dict[str, Feature]
    iterations: list[Iteration]

    def __getattr__(self, name):
        return getattr(self.world, name)

    def iteration(self, number: int) -> Iteration:
        return self.iterations[number - 1]

    @property
    def ip(self) -> Iteration:
        return self.iterations[-1]


def finished_world(world) -> DemoWorld:
    world.train.time_zone = "Europe/Berlin"
    world.train.save(update_fields=["time_zone"])
    alpha, bravo = world.team, world.other_team
    t, pi = world.train, world.pi
    f = {
        "A": make_feature(
            t, ("ready", utc(1, 10)), ("done", utc(1, 20, 10)), team=alpha, points=5, pi=pi, title="A"
        ),
        "B": make_feature(
            t,
            ("ready", utc(1, 12)),
            ("done", utc(1, 25)),
            ("in_progress", utc(1, 27)),
            ("done", utc(1, 30, 9)),
            team=bravo,
            kind="enabler",
            points=8,
            pi=pi,
            title="B",
        ),
        "C": make_feature(
            t, ("ready", utc(1, 20)), ("done", utc(2, 1, 22.5)), kind="defect", pi=pi, title="C"
        ),
        "D": make_feature(
            t, ("ready", utc(1, 20)), ("done", utc(2, 1, 23.5)), team=alpha, points=3, pi=pi, title="D"
        ),
        "E": make_feature(
            t,
            ("ready", utc(1, 12)),
            ("done", utc(1, 22)),
            ("cancelled", utc(1, 24)),
            team=alpha,
            pi=pi,
            title="E",
        ),
        "F": make_feature(
            t,
            ("ready", utc(1, 12)),
            ("done", utc(1, 20)),
            ("in_progress", utc(1, 26)),
            ("done", utc(2, 3)),
            team=bravo,
            points=2,
            pi=pi,
            title="F",
        ),
        "G": make_feature(
            t,
            ("ready", utc(1, 6)),
            ("done", utc(1, 10, 8)),
            team=alpha,
            kind="defect",
            points=1,
            pi=pi,
            title="G",
        ),
    }
    Feature.objects.filter(pk=f["B"].pk).update(external_key="PAY-7")
    f["B"].refresh_from_db()
    return DemoWorld(world=world, features=f, iterations=list(pi.iterations.order_by("number")))


@pytest.fixture
def finished(world) -> DemoWorld:
    return finished_world(world)
