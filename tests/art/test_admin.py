"""The admin reads everything of a train and changes nothing of it: writes go through the
services (access, validation, versions, history). Accounts and tokens stay manageable."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model

from art.models import ApiToken, Feature, ReleaseTrain
from tests.art.factories import FeatureFactory, UserFactory


@pytest.fixture
def root_client(client, db):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_no_domain_model_can_be_added_changed_or_deleted_in_the_admin(rf, db):
    request = rf.get("/admin/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    editable = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in {"art", "pi_planning", "sync", "metrics"} or model is ApiToken:
            continue
        if (
            model_admin.has_add_permission(request)
            or model_admin.has_change_permission(request)
            or model_admin.has_delete_permission(request)
        ):
            editable.append(model.__name__)
    assert editable == []
    assert admin.site._registry[get_user_model()].has_change_permission(request)  # accounts stay


def test_a_feature_reads_in_the_admin_but_does_not_save(root_client):
    feature = FeatureFactory(title="Wallet top-up")
    page = root_client.get(f"/admin/art/feature/{feature.pk}/change/")
    assert page.status_code == 200 and "Wallet top-up" in page.content.decode()
    response = root_client.post(f"/admin/art/feature/{feature.pk}/change/", {"title": "Hacked"})
    assert response.status_code == 403
    assert Feature.objects.get(pk=feature.pk).title == "Wallet top-up"
    assert root_client.post(f"/admin/art/feature/{feature.pk}/delete/", {"post": "yes"}).status_code == 403
    assert root_client.get("/admin/art/releasetrain/add/").status_code == 403
    assert ReleaseTrain.objects.count() == 1
