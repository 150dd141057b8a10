"""The board's backlog row: product management marks a defect found after release in the same
inline form as its WSJF scores; other kinds do not offer it."""

from __future__ import annotations

import pytest

from art.models import Feature
from tests.pi_planning.helpers import feature


@pytest.fixture
def bug(world, plan):
    return feature(world, title="Refunds doubled", kind="defect")


def scores(f, **extra):
    return {
        "version": f.version,
        "user_business_value": 3,
        "time_criticality": 5,
        "risk_reduction": 1,
        "job_size": 3,
        **extra,
    }


def test_a_defect_is_marked_found_after_release_inline(as_user, htmx, plan, bug):
    as_user("product")
    url = plan.url("feature_wsjf", feature_id=bug.pk)
    form = htmx.get(url).content.decode()
    assert "Found after release" in form and 'name="found_after_release"' in form
    response = htmx.post(url, scores(bug, found_after_release="on"))
    assert response.status_code == 200
    bug.refresh_from_db()
    assert (bug.found_after_release, bug.wsjf, bug.version) == (True, 3.0, 2)
    # and unticked again
    htmx.post(url, scores(bug))
    bug.refresh_from_db()
    assert (bug.found_after_release, bug.version) == (False, 3)


def test_a_business_feature_does_not_offer_it(as_user, htmx, plan, world):
    f = feature(world, title="Faster payouts", kind="business")
    as_user("product")
    url = plan.url("feature_wsjf", feature_id=f.pk)
    assert 'name="found_after_release"' not in htmx.get(url).content.decode()
    # a forged tick is not taken
    assert htmx.post(url, scores(f, found_after_release="on")).status_code == 200
    assert Feature.objects.get(pk=f.pk).found_after_release is False
