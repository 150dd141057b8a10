"""art/queue.py: with the broker down, a task runs here instead (the request answers at once and
nothing is left queued for ever); on the embedded default it runs inline."""

import pytest
from django.test import override_settings

from art import queue
from metrics import services as metric_services
from metrics.models import RecomputeRun
from tests.art.factories import PIFactory


@pytest.fixture
def broker_down(monkeypatch):
    """Publishing fails as kombu fails when Redis does not answer; the fallback runs inline."""
    from kombu.exceptions import OperationalError

    from metrics import tasks

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.recompute_train, "apply_async", refuse)
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
    with django_capture_on_commit_callbacks(execute=True):
        run, created = metric_services.recompute_request(actor=None, train=pi.train)
    assert created
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


@pytest.mark.django_db
def test_a_broker_that_does_not_answer_is_given_up_on_within_seconds():
    from django.conf import settings

    assert settings.CELERY_BROKER_CONNECTION_TIMEOUT <= 3
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["socket_connect_timeout"] <= 3


def test_work_that_talks_to_another_host_leaves_the_request_on_the_embedded_default(monkeypatch):
    # given the embedded default (tasks eager) outside the tests' inline switch
    started: list[tuple] = []
    monkeypatch.setattr(queue, "start_here", lambda task, args: started.append((task.name, args)))

    class Task:
        name = "art.tasks.webhook_deliver"

        def delay(self, *args):
            raise AssertionError("must not run inside the request")

    with override_settings(CELERY_TASK_ALWAYS_EAGER=True, RAILYARD_BACKGROUND_INLINE=False):
        # when a delivery is queued, then it starts in a thread of its own
        assert queue.enqueue_background(Task(), 7) == queue.HERE
    assert started == [("art.tasks.webhook_deliver", (7,))]
    with override_settings(CELERY_TASK_ALWAYS_EAGER=True, RAILYARD_BACKGROUND_INLINE=True):
        ran = []
        Task.delay = lambda self, *args: ran.append(args)  # type: ignore[method-assign]
        assert queue.enqueue_background(Task(), 8) == queue.INLINE
        assert ran == [(8,)]
