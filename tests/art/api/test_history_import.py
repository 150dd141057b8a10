"""features/{id}/transitions/ with a JSON array: a back-dated history imported in one request,
checked as a whole (errors by index, nothing written), and the train's metrics recomputed once."""

import datetime as dt

import pytest
from django.utils import timezone

from art.models import ChangeRecord, Feature, FeatureTransition
from metrics.models import MetricSnapshot, RecomputeRun
from tests.art.factories import FeatureFactory

DAY = dt.timedelta(days=1)


@pytest.fixture
def product(world, as_user):
    return as_user(world.product)


@pytest.fixture
def feature(world):
    created = timezone.now() - 40 * DAY
    feature = FeatureFactory(train=world.train, team=world.team, created_at=created)
    FeatureTransition.objects.create(feature=feature, from_state="", to_state="funnel", at=created)
    return feature


def at(days_ago: float) -> str:
    return (timezone.now() - days_ago * DAY).isoformat()


def test_a_history_is_imported_in_one_request_and_the_metrics_recomputed_once(
    world, product, feature, django_capture_on_commit_callbacks
):
    history = [
        {"state": "analyzing", "at": at(30)},
        {"state": "ready", "at": at(25)},
        {"state": "in_progress", "at": at(20)},
        {"state": "done", "at": at(10)},
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = product.post(f"/api/v1/features/{feature.pk}/transitions/", history, format="json")
    assert response.status_code == 201, response.json()
    assert [t["to_state"] for t in response.json()] == ["analyzing", "ready", "in_progress", "done"]
    feature.refresh_from_db()
    assert feature.state == "done" and feature.version == 5
    assert list(feature.transitions.order_by("at").values_list("to_state", flat=True)) == [
        "funnel",
        "analyzing",
        "ready",
        "in_progress",
        "done",
    ]
    # one recompute for the whole import (run in-process here), and it counted the finished feature
    run = RecomputeRun.objects.get(train=world.train)
    assert run.state == RecomputeRun.State.DONE
    done_day = (timezone.now() - 10 * DAY).date()
    snapshot = MetricSnapshot.objects.get(train=world.train, team=None, day=done_day)
    assert snapshot.throughput_count == 1


@pytest.mark.parametrize(
    ("history", "errors"),
    [
        (  # out of time order
            [{"state": "analyzing", "at": at(10)}, {"state": "ready", "at": at(20)}],
            {"1": "at"},
        ),
        (  # before the feature's creation, and in the future
            [{"state": "analyzing", "at": at(50)}, {"state": "ready", "at": at(-2)}],
            {"0": "at", "1": "at"},
        ),
        (  # an unknown state, and no time
            [{"state": "shipped", "at": at(5)}, {"state": "ready"}],
            {"0": "state", "1": "at"},
        ),
        (  # no change of state
            [{"state": "funnel", "at": at(5)}],
            {"0": "state"},
        ),
    ],
)
def test_a_refused_history_writes_nothing_and_names_each_item(
    world, product, feature, history, errors, django_capture_on_commit_callbacks
):
    before = (FeatureTransition.objects.count(), ChangeRecord.objects.count(), feature.version)
    with django_capture_on_commit_callbacks(execute=True):
        response = product.post(f"/api/v1/features/{feature.pk}/transitions/", history, format="json")
    assert response.status_code == 400, response.json()
    body = response.json()["errors"]
    assert {index: next(iter(fields)) for index, fields in body.items()} == errors
    feature.refresh_from_db()
    assert (FeatureTransition.objects.count(), ChangeRecord.objects.count(), feature.version) == before
    assert not RecomputeRun.objects.exists()


def test_nothing_before_the_latest_transition(world, product, feature):
    FeatureTransition.objects.create(
        feature=feature, from_state="funnel", to_state="analyzing", at=timezone.now() - 5 * DAY
    )
    Feature.objects.filter(pk=feature.pk).update(state="analyzing")
    response = product.post(
        f"/api/v1/features/{feature.pk}/transitions/", [{"state": "ready", "at": at(6)}], format="json"
    )
    assert response.status_code == 400
    assert "latest transition" in response.json()["errors"]["0"]["at"][0]


def test_a_stale_if_match_refuses_the_whole_history(world, product, feature):
    response = product.post(
        f"/api/v1/features/{feature.pk}/transitions/",
        [{"state": "analyzing", "at": at(5)}],
        format="json",
        HTTP_IF_MATCH='"7"',
    )
    assert response.status_code == 412
    assert feature.transitions.count() == 1


def test_a_viewer_may_not_import_a_history(world, as_user, feature):
    response = as_user(world.viewer).post(
        f"/api/v1/features/{feature.pk}/transitions/", [{"state": "analyzing", "at": at(5)}], format="json"
    )
    assert response.status_code == 403
    assert feature.transitions.count() == 1
