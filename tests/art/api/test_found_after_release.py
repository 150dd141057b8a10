"""features/: found_after_release, written on a defect and refused, naming the field and the rule,
on any other kind (the defect escape rate, docs/domain.md)."""

import pytest

from art.models import Feature
from tests.art.factories import FeatureFactory

RULE = "found_after_release is only for defects: set kind to defect, or leave found_after_release false"


@pytest.fixture
def product(world, as_user):
    return as_user(world.product)


def test_a_defect_is_marked_found_after_release(world, product):
    feature = FeatureFactory(train=world.train, kind="defect")
    assert product.get(f"/api/v1/features/{feature.pk}/").json()["found_after_release"] is False
    response = product.patch(
        f"/api/v1/features/{feature.pk}/", {"found_after_release": True, "version": 1}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["found_after_release"] is True
    feature.refresh_from_db()
    assert (feature.found_after_release, feature.version) == (True, 2)


def test_a_defect_is_created_found_after_release(world, product):
    body = product.post(
        "/api/v1/features/",
        {"train": world.train.pk, "title": "Refunds doubled", "kind": "defect", "found_after_release": True},
        format="json",
    ).json()
    assert (body["kind"], body["found_after_release"]) == ("defect", True)


def test_a_business_feature_found_after_release_is_refused_and_nothing_changes(world, product):
    feature = FeatureFactory(train=world.train, kind="business")
    response = product.patch(
        f"/api/v1/features/{feature.pk}/", {"found_after_release": True, "version": 1}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"found_after_release": [RULE]}
    feature.refresh_from_db()
    assert (feature.found_after_release, feature.version) == (False, 1)
    created = product.post(
        "/api/v1/features/",
        {"train": world.train.pk, "title": "Faster payouts", "kind": "enabler", "found_after_release": True},
        format="json",
    )
    assert created.status_code == 400 and created.json() == {"found_after_release": [RULE]}
    assert not Feature.objects.filter(title="Faster payouts").exists()


def test_an_escaped_defect_may_not_become_another_kind(world, product):
    feature = FeatureFactory(train=world.train, kind="defect", found_after_release=True)
    response = product.patch(
        f"/api/v1/features/{feature.pk}/", {"kind": "business", "version": 1}, format="json"
    )
    assert response.status_code == 400 and response.json() == {"found_after_release": [RULE]}
    feature.refresh_from_db()
    assert feature.kind == "defect"


def test_a_viewer_may_not_mark_it(world, as_user):
    feature = FeatureFactory(train=world.train, kind="defect")
    response = as_user(world.viewer).patch(
        f"/api/v1/features/{feature.pk}/", {"found_after_release": True, "version": 1}, format="json"
    )
    assert response.status_code == 403
    feature.refresh_from_db()
    assert feature.found_after_release is False
