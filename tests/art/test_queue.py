"""art/queue.py: with the broker down, a task runs here instead (the request answers at once and
nothing is left queued for ever); on the embedded default it runs inline."""

import time

import pytest
from django.test import override_settings

from art import queue
from metrics import services as metric_services
from metrics.models import RecomputeRun
from tests.art.factories import PIFactory

DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def broker_down(monkeypatch):
    from art.celery import app

    monkeypatch.setattr(app.conf, "broker_url", DEAD_BROKER)
    ran: list[tuple] = []

    def run_inline(task, args):
        ran.append((task.name, args))
        task.run(*args)

    monkeypatch.setattr(queue, "start_here", run_inline)
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False):
        yield ran


@pytest.mark.django_db
def test_with_the_broker_down_a_recompute_runs_here_and_leaves_no_stuck_run(
    broker_down, django_capture_on_commit_callbacks
):
    pi = PIFactory()
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        run, created = metric_services.recompute_request(actor=None, train=pi.train)
    assert created
    assert time.monotonic() - started < 8  # the broker's 2-second timeouts, not a hang
    assert broker_down == [("metrics.tasks.recompute_train", (run.pk,))]
    run.refresh_from_db()
    assert run.state == RecomputeRun.State.DONE and run.progress == 100
    # and the next request queues a new one rather than waiting on a stuck run
    with django_capture_on_commit_callbacks(execute=True):
        _again, created = metric_services.recompute_request(actor=None, train=pi.train)
    assert created


@pytest.mark.django_db
def test_on_the_embedded_default_a_task_runs_inline():
    pi = PIFactory()
    from sync import tasks

    assert queue.enqueue(tasks.pi_events_generate, pi.pk) == queue.INLINE
