"""The PI calendar task: through a real Redis broker to a real worker process and back to the
database (needs DATABASE_URL on PostgreSQL and REDIS_URL), and idempotent when run twice."""

import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.db import connection

from art.celery import app as celery_app
from art.models import ChangeRecord, ProgramIncrement
from art.tasks import pi_advance_states
from tests.art.factories import PIFactory, TrainFactory

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60


def services_available() -> bool:
    engine = settings.DATABASES["default"]["ENGINE"]
    return engine == "django.db.backends.postgresql" and bool(os.environ.get("REDIS_URL"))


def database_url(db: dict) -> str:
    """A DATABASE_URL for the database this test runs in (the test database, not the main one)."""
    user = quote(db.get("USER") or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host = quote(db.get("HOST") or "", safe="")  # a socket directory is percent-encoded
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{user}{password}@{host}{port}/{quote(db['NAME'], safe='')}"


@pytest.fixture
def worker():
    """A celery worker process on a queue of its own, so no other worker takes our message."""
    queue = f"railyard-test-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "art.settings.test",
        "DATABASE_URL": database_url(connection.settings_dict),
        "REDIS_URL": os.environ["REDIS_URL"],
    }
    with tempfile.NamedTemporaryFile("w+", prefix="celery-worker-", suffix=".log") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "art",
                "worker",
                "--pool",
                "solo",
                "-c",
                "1",
                "-Q",
                queue,
                "--loglevel",
                "INFO",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        # The broker drops a message sent to a queue no worker has bound yet: wait until it has.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            if " ready." in Path(log.name).read_text():
                break
            time.sleep(0.2)
        try:
            yield queue, process, log.name
        finally:
            process.terminate()  # warm shutdown: finishes the task at hand
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            # The broker keeps a binding per queue; leave a shared Redis as it was.
            broker = redis.Redis.from_url(os.environ["REDIS_URL"])
            for key in broker.scan_iter(match=f"*{queue}*"):
                broker.delete(key)


@pytest.mark.services
@pytest.mark.skipif(not services_available(), reason="needs DATABASE_URL on PostgreSQL and REDIS_URL")
def test_task_travels_through_redis_to_a_worker_and_closes_the_pi(transactional_db, worker):
    # given a PI whose dates are past but which is still in planning (committed: the worker sees it)
    today = dt.date.today()
    pi = PIFactory(
        train=TrainFactory(),
        start_date=today - dt.timedelta(weeks=12),
        end_date=today - dt.timedelta(weeks=2),
        state=ProgramIncrement.State.PLANNING,
    )
    queue, process, log = worker
    # when the task is sent through the broker (not run in-process)
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        pi_advance_states.apply_async(queue=queue)
    finally:
        celery_app.conf.task_always_eager = eager
    # then the worker closes the PI
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        pi.refresh_from_db()
        if pi.state == ProgramIncrement.State.CLOSED or process.poll() is not None:
            break
        time.sleep(0.5)
    assert pi.state == ProgramIncrement.State.CLOSED, Path(log).read_text()[-4000:]
    assert ChangeRecord.objects.filter(object_id=pi.pk, changes__state=["planning", "closed"]).count() == 1
    # and it was the worker that ran it, not this process
    assert "Task art.tasks.pi_advance_states[" in Path(log).read_text()


def test_task_run_twice_gives_the_same_result(db):
    # given PIs in each situation on 2026-06-15
    train = TrainFactory()
    over = PIFactory(train=train, name="over", start_date=dt.date(2026, 1, 5), state="planning")
    running = PIFactory(train=train, name="running", start_date=dt.date(2026, 5, 11), state="planning")
    coming = PIFactory(train=train, name="coming", start_date=dt.date(2026, 7, 20), state="planning")
    # when the task runs twice, in-process
    first = pi_advance_states.apply(kwargs={"today": "2026-06-15"}).get()
    states = {pi.name: pi.state for pi in ProgramIncrement.objects.all()}
    history = ChangeRecord.objects.count()
    second = pi_advance_states.apply(kwargs={"today": "2026-06-15"}).get()
    # then the second run finds nothing to do and changes nothing
    assert (first, second) == (2, 0)
    assert states == {over.name: "closed", running.name: "executing", coming.name: "planning"}
    assert {pi.name: pi.state for pi in ProgramIncrement.objects.all()} == states
    assert ChangeRecord.objects.count() == history
