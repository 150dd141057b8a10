"""The recompute task through a real Redis broker to a real worker process and back to the
database (needs DATABASE_URL on PostgreSQL and REDIS_URL; the worker fixture is the one of
tests/art/test_celery_roundtrip.py, on a queue of its own)."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from art.celery import app as celery_app
from metrics import tasks
from metrics.models import MetricSnapshot, RecomputeRun
from tests.art.factories import PIFactory, TeamFactory, TrainFactory
from tests.art.test_celery_roundtrip import services_available, worker  # noqa: F401  (fixture)
from tests.metrics.conftest import make_feature

TIMEOUT = 90


@pytest.mark.services
@pytest.mark.skipif(not services_available(), reason="needs DATABASE_URL on PostgreSQL and REDIS_URL")
def test_recompute_travels_through_redis_to_a_worker(transactional_db, worker):  # noqa: F811
    # given a committed train with a history and a queued recompute
    train = TrainFactory(time_zone="Europe/Berlin")
    team = TeamFactory(train=train)
    PIFactory(train=train, start_date=dt.date.today() - dt.timedelta(weeks=4))
    at = dt.datetime.now(dt.UTC) - dt.timedelta(days=10)
    make_feature(
        train,
        ("ready", at),
        ("in_progress", at + dt.timedelta(days=1)),
        ("done", at + dt.timedelta(days=3)),
        team=team,
    )
    run = RecomputeRun.objects.create(train=train)
    queue, process, log = worker
    # when the task is sent through the broker (not run in-process)
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        tasks.recompute_train.apply_async(args=[run.pk], queue=queue)
    finally:
        celery_app.conf.task_always_eager = eager
    # then the worker recomputes the snapshots and marks the run done
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.state in ("done", "failed") or process.poll() is not None:
            break
        time.sleep(0.5)
    assert run.state == "done", Path(log).read_text()[-4000:]
    assert run.progress == 100 and run.rows == MetricSnapshot.objects.filter(train=train).count() > 0
    assert MetricSnapshot.objects.filter(train=train, team=None).order_by("-day").first().done == 1
    # and it was the worker that ran it, not this process
    assert "Task metrics.tasks.recompute_train[" in Path(log).read_text()
