"""Computed views of a train kept in the process between requests, until the train changes.

A planning board takes tens of milliseconds to compute, and during PI planning every change
makes every open page of the room ask for it again (art.live: one change, a hundred reads).
`remembered(train_id, key, build)` keeps what `build` made and hands the same object to every
later read while the train's *stamp* stays the same and the entry has not expired:

- the stamp is the train's generation (a counter in the shared cache, moved on by every
  committed change that art.live.events announces, which is every change a service makes:
  each one keeps its history entry) and the id of the train's latest history entry (which
  also sees a change another process made when the cache is per process, and a change whose
  announcement was lost);
- the stamp is read before `build` runs, so a change committed while it runs leaves the entry
  already out of date, never a stale entry under a new stamp;
- `build` says until when its result holds (a dependency's age moves on at the hour it was
  created), and nothing is kept longer than MEMO_SECONDS (a change made behind the services'
  back, in a shell or the database, shows within that time);
- inside a transaction (a write about to answer with the board) nothing is read or kept: the
  transaction sees its own uncommitted changes, which must never reach another reader;
- when the cache does not answer, every read builds.

What `remembered` returns is shared by every request of the process: callers read it and never
change it (a request's own flags, such as who may move which card, live in its context).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from art.models import ChangeRecord

T = TypeVar("T")

#: The longest an entry is kept (seconds), whatever its build says.
MEMO_SECONDS = 300
#: How many entries a process keeps (the least recently read go first): the benchmark train's
#: board (24 teams, 290 features, 352 dependencies) holds about 3 MB with its API answer.
MEMO_SIZE = 16

_memo: OrderedDict[tuple[Hashable, ...], tuple[tuple[int, int], dt.datetime, Any]] = OrderedDict()
_lock = threading.Lock()


def _generation_key(train_id: int) -> str:
    return f"railyard:train-generation:{int(train_id)}"


def generation(train_id: int) -> int | None:
    """The train's generation in the shared cache, started if it has none (None when the cache
    does not answer). A generation starts at the clock in nanoseconds, so one that the cache
    lost and started again never repeats an earlier one."""
    key = _generation_key(train_id)
    value = cache.get(key)
    if value is None:
        cache.add(key, time.time_ns(), timeout=None)
        value = cache.get(key)
    return value if isinstance(value, int) else None


def train_changed(train_ids: Iterable[int]) -> None:
    """Move the trains' generations on: what was remembered of them is out of date. Called once
    a change has committed (art.live.events.send), and by what changes data without the
    services (a restore)."""
    for train_id in set(train_ids):
        key = _generation_key(train_id)
        try:
            cache.incr(key)
        except ValueError:  # none yet, or the cache lost it: start one
            cache.set(key, time.time_ns(), timeout=None)


def latest_change(train_id: int) -> int:
    """The id of the train's latest history entry (0 when none)."""
    latest = ChangeRecord.objects.filter(train_id=train_id).aggregate(latest=Max("id"))["latest"]
    return int(latest or 0)


def _in_transaction() -> bool:
    """Inside an atomic block of the application's own (a test's enclosing transaction is not
    one: Django marks those)."""
    connection = transaction.get_connection()
    return connection.in_atomic_block and any(
        not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks
    )


def remembered(
    train_id: int, key: tuple[Hashable, ...], build: Callable[[], tuple[T, dt.datetime | None]]
) -> T:
    """What `build()` makes for the train, remembered under `key` while the train's stamp holds
    and until the moment `build` returned with it (None: MEMO_SECONDS from now). See the module's
    docstring for when it builds again."""
    if not settings.RAILYARD_MEMO or _in_transaction():
        return build()[0]
    current = generation(train_id)
    if current is None:
        return build()[0]
    stamp = (current, latest_change(train_id))
    entry_key = (int(train_id), *key)
    now = timezone.now()
    with _lock:
        entry = _memo.get(entry_key)
        if entry is not None and entry[0] == stamp and now < entry[1]:
            _memo.move_to_end(entry_key)
            return entry[2]
    value, until = build()
    longest = now + dt.timedelta(seconds=MEMO_SECONDS)
    with _lock:
        _memo[entry_key] = (stamp, min(until, longest) if until else longest, value)
        _memo.move_to_end(entry_key)
        while len(_memo) > MEMO_SIZE:
            _memo.popitem(last=False)
    return value


def forget() -> None:
    """Drop everything this process remembers (tests)."""
    with _lock:
        _memo.clear()
