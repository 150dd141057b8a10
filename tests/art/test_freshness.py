"""art.freshness: a computed view of a train is built once and handed out again while the train's
stamp (its generation, moved on by every announced change once it commits, and its latest
history entry) holds and the entry has not expired; never inside a transaction, never with the
cache down; other trains' changes leave it alone. And the rule that says until when a
dependency's age holds (art.rules.dependencies.next_age_change), worked by hand."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from art import freshness
from art.models import ChangeRecord
from art.rules.dependencies import DependencyDates, dependency_age_days, next_age_change
from art.services.common import record_change
from tests.art.factories import TrainFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("memo_on")]


class Builds:
    """A build that counts its calls and says until when its result holds."""

    def __init__(self, until: dt.datetime | None = None) -> None:
        self.calls = 0
        self.until = until

    def __call__(self) -> tuple[list[int], dt.datetime | None]:
        self.calls += 1
        return [self.calls], self.until


def _read(train, build, key=("view",)):
    return freshness.remembered(train.pk, key, build)


def test_one_build_serves_every_read_while_the_train_is_unchanged():
    train, build = TrainFactory(), Builds()
    first = _read(train, build)
    assert _read(train, build) is first and _read(train, build) is first
    assert build.calls == 1
    assert _read(train, build, key=("other view",)) == [2]  # each key its own entry


def test_an_announced_change_builds_again_once_it_commits(django_capture_on_commit_callbacks):
    train, build = TrainFactory(), Builds()
    _read(train, build)
    before = freshness.generation(train.pk)
    with django_capture_on_commit_callbacks(execute=True):
        record_change(actor=None, obj=train, action="updated", changes={"name": ["A", "B"]})
        assert freshness.generation(train.pk) == before  # not before it commits
    assert freshness.generation(train.pk) == before + 1
    assert _read(train, build) == [2]
    assert _read(train, build) == [2] and build.calls == 2


def test_a_generation_moved_on_builds_again_even_with_no_new_history_entry():
    train, build = TrainFactory(), Builds()
    _read(train, build)
    freshness.train_changed([train.pk])
    assert _read(train, build) == [2]


def test_a_history_entry_of_another_process_builds_again_without_an_announcement():
    """A process whose cache is its own never hears another's announcement: the latest history
    entry is in the stamp (the change is written here with no commit callback run)."""
    train, build = TrainFactory(), Builds()
    _read(train, build)
    record_change(actor=None, obj=train, action="updated", changes={"name": ["A", "B"]})
    assert ChangeRecord.objects.filter(train_id=train.pk).exists()
    assert _read(train, build) == [2]


def test_another_trains_change_leaves_the_view_alone():
    train, other, build = TrainFactory(), TrainFactory(), Builds()
    _read(train, build)
    freshness.train_changed([other.pk])
    record_change(actor=None, obj=other, action="updated", changes={"name": ["A", "B"]})
    assert _read(train, build) == [1]


def test_inside_a_transaction_nothing_is_read_or_kept():
    """A write answering with the view sees its own uncommitted change: never kept for others,
    and a rollback leaves what was remembered before it."""
    train, build = TrainFactory(), Builds()
    _read(train, build)
    with transaction.atomic():
        record_change(actor=None, obj=train, action="updated", changes={"name": ["A", "B"]})
        assert _read(train, build) == [2]
        assert _read(train, build) == [3]
        transaction.set_rollback(True)
    assert _read(train, build) == [1]  # the stamp is back to what it was: the view before it


def test_an_entry_holds_until_the_moment_its_build_gave(monkeypatch):
    start = timezone.now()
    train, build = TrainFactory(), Builds(until=start + dt.timedelta(minutes=2))
    monkeypatch.setattr(freshness.timezone, "now", lambda: start)
    _read(train, build)
    monkeypatch.setattr(freshness.timezone, "now", lambda: start + dt.timedelta(minutes=1, seconds=59))
    assert _read(train, build) == [1]
    monkeypatch.setattr(freshness.timezone, "now", lambda: start + dt.timedelta(minutes=2))
    assert _read(train, build) == [2]


def test_nothing_is_kept_longer_than_memo_seconds(monkeypatch):
    start = timezone.now()
    train, build = TrainFactory(), Builds(until=None)
    monkeypatch.setattr(freshness.timezone, "now", lambda: start)
    _read(train, build)
    later = start + dt.timedelta(seconds=freshness.MEMO_SECONDS - 1)
    monkeypatch.setattr(freshness.timezone, "now", lambda: later)
    assert _read(train, build) == [1]
    expired = start + dt.timedelta(seconds=freshness.MEMO_SECONDS)
    monkeypatch.setattr(freshness.timezone, "now", lambda: expired)
    assert _read(train, build) == [2]


def test_with_the_cache_down_every_read_builds(monkeypatch):
    train, build = TrainFactory(), Builds()
    monkeypatch.setattr(freshness, "generation", lambda train_id: None)
    assert _read(train, build) == [1] and _read(train, build) == [2]


def test_a_generation_the_cache_lost_starts_again_at_a_new_value():
    train, build = TrainFactory(), Builds()
    _read(train, build)
    before = freshness.generation(train.pk)
    cache.clear()
    assert freshness.generation(train.pk) not in {None, before}
    assert _read(train, build) == [2]


def test_switched_off_every_read_builds(settings):
    settings.RAILYARD_MEMO = False
    train, build = TrainFactory(), Builds()
    assert _read(train, build) == [1] and _read(train, build) == [2]


def test_a_process_keeps_at_most_memo_size_entries():
    train, build = TrainFactory(), Builds()
    for n in range(freshness.MEMO_SIZE + 5):
        _read(train, build, key=("view", n))
    assert len(freshness._memo) == freshness.MEMO_SIZE
    assert _read(train, build, key=("view", 0)) == [freshness.MEMO_SIZE + 6]  # the oldest went first


def test_next_age_change_worked_by_hand():
    created = timezone.make_aware(dt.datetime(2026, 1, 1, 10, 0))
    open_one = DependencyDates(created)
    # 1 day 23 hours old: age 1, and 2 from 3 January 10:00
    now = timezone.make_aware(dt.datetime(2026, 1, 3, 9, 0))
    assert dependency_age_days(open_one, now) == 1
    assert next_age_change(open_one, now) == timezone.make_aware(dt.datetime(2026, 1, 3, 10, 0))
    at = next_age_change(open_one, now)
    assert dependency_age_days(open_one, at) == 2
    assert dependency_age_days(open_one, at - dt.timedelta(microseconds=1)) == 1
    # a resolved one keeps its age
    resolved = DependencyDates(created, resolved_at=created + dt.timedelta(days=3))
    assert next_age_change(resolved, now) is None
