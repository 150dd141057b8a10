""" "Recompute now" never runs inside the request, in the embedded default (no broker, tasks
eager) as well: the request queues the run and answers at once with its progress, a thread of
the process does the work (art.queue.enqueue_background), the page polls the progress fragment
and the API the run's url until it is done; a press while one runs joins it."""

from __future__ import annotations

import threading
import time

import pytest
from django.test import Client, override_settings

from art import queue
from metrics import services, tasks
from metrics.models import MetricSnapshot, RecomputeRun

HTMX = {"HTTP_HX_REQUEST": "true"}
API = "/api/v1/metrics"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(world, path=""):
    return f"/trains/{world.train.slug}/metrics/{path}"


@pytest.fixture
def background(monkeypatch):
    """The embedded default (eager tasks, background work in a thread) with the thread runner
    replaced by one that only records what it was handed: the test runs it when it likes."""
    handed: list[tuple] = []
    monkeypatch.setattr(queue, "start_here", lambda task, args: handed.append((task, args)))
    # The test runs the runner (queue._run) on its own thread, inside the test's transaction: the
    # runner's closing of its thread's connection would close the test's (PostgreSQL refuses a
    # new one inside the transaction).
    monkeypatch.setattr(queue.connection, "close", lambda: None)
    with override_settings(CELERY_TASK_ALWAYS_EAGER=True, RAILYARD_BACKGROUND_INLINE=False):
        yield handed


def press(client, world, callbacks_fixture):
    with callbacks_fixture(execute=True):
        return client.post(page(world, "recompute/"), **HTMX)


def test_recompute_now_answers_at_once_and_the_progress_reaches_100(
    flow_train, background, monkeypatch, django_capture_on_commit_callbacks
):
    rte = client_for(flow_train.rte)
    # when the RTE presses "Recompute now"
    response = press(rte, flow_train, django_capture_on_commit_callbacks)
    run = RecomputeRun.objects.get()
    # then the answer comes at once: the work was handed to the background runner, not done
    assert [(task.name, args) for task, args in background] == [("metrics.tasks.recompute_train", (run.pk,))]
    assert run.state == "queued" and not MetricSnapshot.objects.exists()
    html = response.content.decode()
    assert response.status_code == 200 and "Recompute queued" in html and "0 %" in html
    assert f'hx-get="{page(flow_train, f"recompute/{run.pk}/")}"' in html and 'hx-trigger="every 2s"' in html
    # and while the runner works, the polled fragment shows the percentage and the days done
    seen: list[str] = []
    real = services.recompute_snapshots

    def watched(**kwargs):
        report = kwargs["on_progress"]

        def on_progress(*args):
            report(*args)
            seen.append(rte.get(page(flow_train, f"recompute/{run.pk}/"), **HTMX).content.decode())

        return real(**{**kwargs, "on_progress": on_progress})

    monkeypatch.setattr(services, "recompute_snapshots", watched)
    task, args = background[0]
    queue._run(task, args)
    assert seen and "Recomputing the figures…" in seen[-1] and "<progress" in seen[-1]
    run.refresh_from_db()
    assert f"{run.days} days done" in seen[-1] and "99 %" in seen[-1]
    # and once it is done, the fragment reloads the page and the API reports 100 %
    done = rte.get(page(flow_train, f"recompute/{run.pk}/"), **HTMX)
    assert done["HX-Refresh"] == "true"
    status = rte.get(f"{API}/recompute/{run.pk}/").json()
    assert status["state"] == "done" and status["progress"] == 100 and status["days"] == run.days > 0
    assert status["rows"] == MetricSnapshot.objects.filter(train=flow_train.train).count() > 0


def test_the_api_answers_202_with_the_run_and_where_to_poll_it(
    flow_train, background, django_capture_on_commit_callbacks
):
    api = client_for(flow_train.rte)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"{API}/recompute/", {"train": flow_train.train.pk}, content_type="application/json"
        )
    body = response.json()
    assert response.status_code == 202 and body["state"] == "queued" and body["progress"] == 0
    assert body["url"] == f"http://testserver{API}/recompute/{body['id']}/" == response["Location"]
    assert len(background) == 1
    task, args = background[0]
    queue._run(task, args)
    polled = api.get(body["url"]).json()
    assert polled["state"] == "done" and polled["progress"] == 100 and polled["url"] == body["url"]


def test_a_second_press_while_one_runs_joins_it(flow_train, background, django_capture_on_commit_callbacks):
    rte = client_for(flow_train.rte)
    first = press(rte, flow_train, django_capture_on_commit_callbacks)
    run = RecomputeRun.objects.get()
    RecomputeRun.objects.filter(pk=run.pk).update(state="running", progress=40, days=120)
    # when the RTE (or the API) asks again while it runs
    second = press(rte, flow_train, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        api = rte.post(f"{API}/recompute/", {"train": flow_train.train.pk}, content_type="application/json")
    # then they join the running run: no second run, nothing handed over again
    assert RecomputeRun.objects.count() == 1 and len(background) == 1
    assert api.status_code == 202 and api.json()["id"] == run.pk and api.json()["progress"] == 40
    html = second.content.decode()
    assert f"recompute/{run.pk}/" in first.content.decode() and f"recompute/{run.pk}/" in html
    assert "40 %" in html and "120 days done" in html


def test_running_a_recompute_twice_is_safe(flow_train, background, django_capture_on_commit_callbacks):
    press(client_for(flow_train.rte), flow_train, django_capture_on_commit_callbacks)
    task, args = background[0]
    queue._run(task, args)
    rows = list(MetricSnapshot.objects.order_by("id").values_list("id", "day", "wip", "done"))
    # when the same run is carried out again (a retry, a redelivery)
    queue._run(task, args)
    # then it is done once more with the same rows, and the next press starts a new run
    run = RecomputeRun.objects.get()
    assert run.state == "done" and run.progress == 100
    assert list(MetricSnapshot.objects.order_by("id").values_list("id", "day", "wip", "done")) == rows
    press(client_for(flow_train.rte), flow_train, django_capture_on_commit_callbacks)
    assert RecomputeRun.objects.count() == 2 and len(background) == 2


def test_a_failing_run_shows_its_error(
    flow_train, background, monkeypatch, django_capture_on_commit_callbacks
):
    rte = client_for(flow_train.rte)
    press(rte, flow_train, django_capture_on_commit_callbacks)
    run = RecomputeRun.objects.get()

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "recompute_snapshots", broken)
    task, args = background[0]
    queue._run(task, args)  # the thread logs the error; the run records it
    html = rte.get(page(flow_train, f"recompute/{run.pk}/"), **HTMX).content.decode()
    assert "The last recompute failed" in html and "RuntimeError: disk full" in html
    assert "hx-trigger" not in html and "Recompute now" in html  # polling stops; pressing again is offered
    status = rte.get(f"{API}/recompute/{run.pk}/").json()
    assert status["state"] == "failed" and status["error"] == "RuntimeError: disk full"


def test_in_a_real_thread_the_request_returns_before_the_run_finishes(
    transactional_db, flow_train, monkeypatch
):
    # given the embedded default as it runs outside tests: the work goes to a thread
    go = threading.Event()
    real = services.recompute_snapshots

    def held(**kwargs):
        assert go.wait(20), "the test never let the recompute go on"
        return real(**kwargs)

    monkeypatch.setattr(services, "recompute_snapshots", held)
    rte = client_for(flow_train.rte)
    with override_settings(CELERY_TASK_ALWAYS_EAGER=True, RAILYARD_BACKGROUND_INLINE=False):
        # when the RTE presses "Recompute now"
        response = rte.post(page(flow_train, "recompute/"), **HTMX)
        # then the answer comes while the run is still under way
        run = RecomputeRun.objects.get()
        assert response.status_code == 200 and run.state in ("queued", "running")
        assert f"recompute/{run.pk}/" in response.content.decode()
        assert any(
            thread.name == f"fallback-{tasks.recompute_train.name}" for thread in threading.enumerate()
        )
        # and polling sees it finish once the work goes on
        go.set()
        deadline = time.monotonic() + 30
        polled = rte.get(page(flow_train, f"recompute/{run.pk}/"), **HTMX)
        while not polled.has_header("HX-Refresh") and time.monotonic() < deadline:
            time.sleep(0.05)
            polled = rte.get(page(flow_train, f"recompute/{run.pk}/"), **HTMX)
    assert polled["HX-Refresh"] == "true"
    run.refresh_from_db()
    assert run.state == "done" and run.progress == 100 and run.rows > 0
