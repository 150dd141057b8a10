"""The demos pages, one demo's page (and its fragments), the release notes and the API lists
answer in a number of queries that does not grow with the number of features, items and notes."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sync import services
from sync.models import DemoItem
from tests.metrics.conftest import make_feature

pytestmark = pytest.mark.django_db


def count(client, url, **headers) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **headers)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries)


def more(finished, demo, n: int, serial: list[int]) -> None:
    """n more features finished in Iteration 2, each shown at the demo, decided, with a note."""
    for _ in range(n):
        serial[0] += 1
        at = dt.datetime(2026, 1, 21, tzinfo=dt.UTC) + dt.timedelta(hours=serial[0])
        feature = make_feature(
            finished.train,
            ("ready", at - dt.timedelta(days=1)),
            ("done", at),
            team=finished.team if serial[0] % 2 else finished.other_team,
            pi=finished.pi,
            points=3,
        )
        item = services.demo_item_add(actor=finished.rte, demo=demo, feature=feature)
        services.demo_item_update(actor=finished.business_owner, item=item, outcome="accepted")
        services.demo_feedback_add(
            actor=finished.member, demo=demo, text=f"Note {serial[0]}", feature=feature
        )


def urls(finished, demo):
    pi = {"slug": finished.train.slug, "pi_id": finished.pi.pk}
    iteration = finished.iteration(2).pk
    return {
        "demos": reverse("sync:pi_demos", kwargs=pi),
        "demo": reverse("sync:demo", kwargs={**pi, "iteration_id": iteration}),
        "notes": reverse("sync:release_notes", kwargs=pi),
        "notes_md": reverse("sync:release_notes_md", kwargs=pi) + f"?iteration={iteration}",
        "api_demos": f"/api/v1/system-demos/?pi={finished.pi.pk}",
        "api_demo": f"/api/v1/system-demos/{demo.pk}/",
        "api_items": f"/api/v1/demo-items/?demo={demo.pk}",
        "api_feedback": f"/api/v1/demo-feedback/?demo={demo.pk}",
        "api_notes": f"/api/v1/pis/{finished.pi.pk}/release-notes/",
    }


@pytest.mark.parametrize("role", ["rte", "business_owner", "viewer"])
def test_pages_and_lists_cost_the_same_whatever_the_rows(finished, client, role):
    demo, _ = services.system_demo_prepare(actor=finished.rte, iteration=finished.iteration(2))
    client.force_login(finished.user(role))
    serial = [0]
    more(finished, demo, 1, serial)
    few = {name: count(client, url) for name, url in urls(finished, demo).items()}
    few["fragment"] = count(
        client, urls(finished, demo)["demo"], HTTP_HX_REQUEST="true", HTTP_HX_TARGET="demo-record"
    )
    more(finished, demo, 6, serial)
    assert DemoItem.objects.filter(demo=demo).count() == 10
    many = {name: count(client, url) for name, url in urls(finished, demo).items()}
    many["fragment"] = count(
        client, urls(finished, demo)["demo"], HTTP_HX_REQUEST="true", HTTP_HX_TARGET="demo-record"
    )
    assert many == few
    assert few["demo"] <= 14 and few["demos"] <= 10 and few["notes"] <= 10
