"""Release notes of an iteration or a PI: the features finished in its window (done_at between its
first and last local day, art.selectors.flow.finished_features), grouped by kind by
art.rules.releases.release_groups. One query whatever the number of features."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from art.models import Iteration, ProgramIncrement, ReleaseTrain
from art.rules import flow, keys, releases
from art.selectors.flow import finished_features

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class ReleaseNotes:
    """What a window delivered: its local dates [start, end] (both included), its groups."""

    train: ReleaseTrain
    pi: ProgramIncrement
    iteration: Iteration | None
    start: dt.date
    end: dt.date
    groups: list[releases.ReleaseGroup]

    @property
    def count(self) -> int:
        return sum(len(group.features) for group in self.groups)

    @property
    def points(self) -> int:
        return sum(group.points for group in self.groups)

    @property
    def scope(self) -> str:
        """ "PI 26.1" or "PI 26.1 · Iteration 2"."""
        return f"{self.pi.name} · {self.iteration.name}" if self.iteration else self.pi.name

    @property
    def title(self) -> str:
        return f"{self.train.name} release notes: {self.scope}"

    @property
    def period(self) -> str:
        first, last = f"{self.start:%a %-d %b %Y}", f"{self.end:%a %-d %b %Y}"
        return f"Features finished from {first} to {last} ({self.train.time_zone})."

    @property
    def filename(self) -> str:
        parts = [self.train.slug, self.pi.name] + ([self.iteration.name] if self.iteration else [])
        return releases.safe_filename(*parts, "release-notes") + ".md"

    def markdown(self) -> str:
        return releases.release_notes_markdown(title=self.title, period=self.period, groups=self.groups)

    def as_json(self) -> dict[str, Any]:
        return {
            "train": self.train.pk,
            "pi": self.pi.pk,
            "iteration": self.iteration.pk if self.iteration else None,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "groups": [
                {
                    "kind": group.kind,
                    "features": [
                        {
                            "id": f.id,
                            "key": f.key,
                            "title": f.title,
                            "team": f.team or None,
                            "points": f.points,
                            "done_at": f.done_at,
                        }
                        for f in group.features
                    ],
                }
                for group in self.groups
            ],
            "count": self.count,
        }


def finished_items(train: ReleaseTrain, start: dt.date, end: dt.date) -> list[releases.ReleaseItem]:
    """The features of the train finished on the local days start … end (both included), one
    query."""
    lo, hi = flow.day_bounds(start, end + ONE_DAY, train.tz)
    # last_at is annotated by the metrics selector: done_at, the last entry into done.
    fields = ("id", "number", "external_key", "title", "kind", "team__name", "points", "last_at")
    rows = finished_features(train, lo, hi).values_list(*fields)
    return [
        releases.ReleaseItem(
            id=fid,
            key=keys.card_key(keys.FEATURE, number, external_key),
            title=title,
            kind=kind,
            team=team or "",
            points=points,
            done_at=done_at,
        )
        for fid, number, external_key, title, kind, team, points, done_at in rows
    ]


def release_notes(*, pi: ProgramIncrement, iteration: Iteration | None = None) -> ReleaseNotes:
    """The release notes of one iteration of `pi`, or of the whole PI. `pi` comes with its train."""
    train = pi.train
    start, end = (iteration.start_date, iteration.end_date) if iteration else (pi.start_date, pi.end_date)
    items = finished_items(train, start, end)
    return ReleaseNotes(
        train=train,
        pi=pi,
        iteration=iteration,
        start=start,
        end=end,
        groups=releases.release_groups(items),
    )
