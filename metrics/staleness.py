"""What changed in a train's figures since its last finished recompute: the days whose stored
snapshots (and finished features' figures) are stale. Read by the recompute (which days to
redo), the nightly job and the flow endpoint (which stored days to trust)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Min, Q

from art.models import Feature, FeatureState, FeatureTransition, ProgramIncrement, ReleaseTrain
from metrics.models import RecomputeRun
from pi_planning.models import Dependency

ONE_DAY = dt.timedelta(days=1)


#: Changes of a feature that alter figures of the past its transitions do not date (the team and
#: the points count on every day of the feature's history, the kind and the points in the stored
#: figures of a finished feature).
_FEATURE_FIGURE_FIELDS = ("team", "points", "train", "kind")


@dataclass(frozen=True)
class Staleness:
    """How far a train's stored snapshots can be trusted (stale_snapshots).

    `checked_at` is when the last finished recompute started (None: none has finished), `full`
    that every day must be recomputed (no finished run, or a change no transition dates: a
    feature deleted or moved to another team, its points changed, a transition restored, a PI or
    a team added or removed, a PI's dates or the train's time zone changed, a dependency deleted
    or re-dated), else
    `since` is the earliest local day changed since then (None: nothing changed). `last_day` is
    the last day that run stored (its today)."""

    checked_at: dt.datetime | None
    full: bool
    since: dt.date | None
    last_day: dt.date | None
    #: That run stored every finished feature's figures (RecomputeRun.figures).
    figures: bool = False

    @property
    def fresh_until(self) -> dt.date | None:
        """The first day whose stored row is not to be trusted (None: none is)."""
        if self.full or self.last_day is None:
            return None
        after_last = self.last_day + ONE_DAY
        return after_last if self.since is None else min(self.since, after_last)


def last_done_run(*, train: ReleaseTrain) -> RecomputeRun | None:
    return (
        RecomputeRun.objects.filter(train=train, state=RecomputeRun.State.DONE, started_at__isnull=False)
        .order_by("-started_at", "-id")
        .first()
    )


def stale_snapshots(*, train: ReleaseTrain, checked_at: dt.datetime | None = None) -> Staleness:
    """What changed in the train's figures since its last finished recompute started (or since
    `checked_at`): the earliest day of the transitions recorded since (back-dated ones included:
    their `at` dates the change, their `recorded_at` says when it was made) and of the done
    transitions of their features (a feature reopened leaves the throughput of the day it was
    done on), and of the dependencies changed since, or `full` for the changes no date bounds
    (see Staleness). At most five queries, whatever the number of changes."""
    from django.contrib.contenttypes.models import ContentType

    from art.models import ChangeRecord, Team

    figures = False
    if checked_at is None:
        run = last_done_run(train=train)
        if run is None or run.started_at is None:
            return Staleness(None, True, None, None)
        checked_at, figures = run.started_at, run.figures
    last_day = checked_at.astimezone(train.tz).date()
    types = ContentType.objects.get_for_models(
        Feature, FeatureTransition, Dependency, ProgramIncrement, Team, ReleaseTrain
    )
    created, updated, deleted = (
        ChangeRecord.Action.CREATED,
        ChangeRecord.Action.UPDATED,
        ChangeRecord.Action.DELETED,
    )
    undated = (
        # a transition restored from the history keeps its old recorded_at
        Q(content_type=types[FeatureTransition])
        | Q(content_type__in=[types[Feature], types[Dependency]], action=deleted)
        | Q(content_type=types[Feature], action=updated, changes__has_any_keys=list(_FEATURE_FIGURE_FIELDS))
        | Q(
            content_type=types[Dependency],
            action=updated,
            changes__has_any_keys=["created_at", "requester_team"],
        )
        | Q(content_type__in=[types[ProgramIncrement], types[Team]], action__in=[created, deleted])
        | Q(content_type=types[ProgramIncrement], changes__has_any_keys=["start_date", "end_date"])
        # another time zone: other days
        | Q(content_type=types[ReleaseTrain], changes__has_any_keys=["time_zone"])
    )
    if ChangeRecord.objects.filter(train_id=train.pk, at__gte=checked_at).filter(undated).exists():
        return Staleness(checked_at, True, None, last_day, figures)
    # A feature moved since no longer counts in the throughput of the day it was done on, if it
    # was done then (rules.flow.done_at: done now): its done transitions date the change too.
    # Two reads, each answered by an index (transition_recorded_at, transition_feature_at), where
    # one OR across them would scan the train's whole history.
    from metrics.selectors import changed_features

    moved = changed_features(train=train, since=checked_at)
    recorded = FeatureTransition.objects.filter(feature__train=train, recorded_at__gte=checked_at)
    done = FeatureTransition.objects.filter(feature__in=moved, to_state=FeatureState.DONE)
    first = min(
        (at for at in (qs.aggregate(first=Min("at"))["first"] for qs in (recorded, done)) if at is not None),
        default=None,
    )
    first_dependency = Dependency.objects.filter(pi__train=train, updated_at__gte=checked_at).aggregate(
        first=Min("created_at")
    )["first"]
    dates = [at.astimezone(train.tz).date() for at in (first, first_dependency) if at is not None]
    return Staleness(checked_at, False, min(dates) if dates else None, last_day, figures)
