"""The Jira import's page (upload → preview with the mapping → import → summary) and its API
(`imports/jira-csv/`): who may, the limits, bad files refused naming the field, never a 500."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from art.models import ChangeRecord, Feature, Story
from tests.art.conftest import EXPORT


def urls(w):
    return {
        name: reverse(f"art:jira_import{suffix}", kwargs={"slug": w.train.slug})
        for name, suffix in (("upload", ""), ("preview", "_preview"), ("apply", "_apply"))
    }


def upload(client, w, data=EXPORT, name="jira.csv"):
    return client.post(urls(w)["upload"], {"file": SimpleUploadedFile(name, data, "text/csv"), "pi": w.pi.pk})


def apply_fields(client, w):
    """The import form's fields, as the preview page filled them."""
    import re

    page = client.get(urls(w)["preview"]).content.decode()
    form = page[page.index(f'action="{urls(w)["apply"]}"') :]
    form = form[: form.index("</form>")]
    return {
        name.replace("&#x27;", "'"): value
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)
    }


def test_upload_preview_import_and_again(client, jira_world):
    w = jira_world
    client.force_login(w.rte)
    response = upload(client, w)
    assert response.status_code == 302 and response["Location"] == urls(w)["preview"]
    page = client.get(urls(w)["preview"])
    text = page.content.decode()
    assert page.status_code == 200
    shown = ("To create", "Secure 3-D challenge flow", "Duplicate key: row 6 has PAY-111 too", "QA Testing")
    for words in shown:
        assert words in text
    fields = apply_fields(client, w)
    assert fields["fs:In Progress"] == "in_progress" and fields["team:Mobile"] == ""
    done = client.post(urls(w)["apply"], {**fields, "csrfmiddlewaretoken": "x"})
    assert done.status_code == 200
    assert "10 created, 1 updated, 0 unchanged, 5 skipped" in done.content.decode()
    assert Feature.objects.filter(train=w.train, external_key="PAY-100").exists()
    # the upload is gone once imported; the same file again: nothing to do, nothing written
    assert "No file waiting" in client.get(urls(w)["preview"]).content.decode()
    upload(client, w)
    history = ChangeRecord.objects.count()
    again = client.post(urls(w)["apply"], apply_fields(client, w))
    assert "0 created, 0 updated, 11 unchanged, 5 skipped" in again.content.decode()
    assert ChangeRecord.objects.count() == history


def test_the_mapping_form_changes_the_preview_and_the_import_follows_it(client, jira_world):
    w = jira_world
    client.force_login(w.rte)
    upload(client, w)
    page = client.get(urls(w)["preview"], {"ss:QA Testing": "in_progress"})
    assert page.status_code == 200
    fields = apply_fields(client, w)  # the default mapping: QA Testing skipped
    assert fields["ss:QA Testing"] == ""
    fields["ss:QA Testing"] = "in_progress"  # a mapping other than the previewed one
    refused = client.post(urls(w)["apply"], fields)
    assert refused.status_code == 409 and "no longer matches the preview" in refused.content.decode()
    assert not Story.objects.filter(external_key="PAY-113").exists()
    bad = client.get(urls(w)["preview"], {"fs:Done": "shipped"})
    assert bad.status_code == 422 and "&#x27;shipped&#x27; is not a feature state" in bad.content.decode()


def test_a_file_too_large_or_not_an_export_is_refused_on_the_form(client, jira_world, settings):
    w = jira_world
    client.force_login(w.rte)
    settings.RAILYARD_IMPORT_MAX_BYTES = 1000
    response = upload(client, w)
    assert response.status_code == 422
    assert "larger than 1 KB, the most one import takes" in response.content.decode()
    settings.RAILYARD_IMPORT_MAX_BYTES = 5_000_000
    binary = upload(client, w, data=b"\x89PNG\r\n\x1a\n\x00\x00")
    assert binary.status_code == 422 and "not UTF-8 text" in binary.content.decode()
    other = client.post(urls(w)["upload"], {"file": SimpleUploadedFile("a.csv", EXPORT), "pi": "999999"})
    assert other.status_code == 422 and "pi must be a pi of this train" in other.content.decode().lower()


@pytest.mark.parametrize(("role", "status"), [("viewer", 403), ("member", 403), ("outsider", 404)])
def test_only_product_management_and_the_rte_import(client, jira_world, role, status):
    w = jira_world
    client.force_login(w.user(role))
    assert client.get(urls(w)["upload"]).status_code == status
    assert client.get(urls(w)["preview"]).status_code == status
    assert upload(client, w).status_code == status
    assert client.post(urls(w)["apply"], {"upload": "x"}).status_code == status


def test_the_preview_page_queries_do_not_grow_with_rows(client, jira_world):
    w = jira_world
    client.force_login(w.rte)
    upload(client, w)
    with CaptureQueriesContext(connection) as small:
        assert client.get(urls(w)["preview"]).status_code == 200
    header = EXPORT.decode("utf-8-sig").splitlines()[0]
    rows = [f"Story {n},PAY-{5000 + n},,Story,To Do,,,Sprint {n % 3},,,,Checkout,,,PAY-1," for n in range(99)]
    upload(client, w, data="\r\n".join([header, *rows]).encode())
    with CaptureQueriesContext(connection) as large:
        assert client.get(urls(w)["preview"]).status_code == 200
    assert len(large) <= len(small) <= 14


# --- the API ------------------------------------------------------------------------------------

API = "/api/v1/imports/jira-csv/"


def post_csv(api, w, data=EXPORT, **query):
    params = {"train": w.train.pk, "pi": w.pi.pk, **query}
    url = API + "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return api.post(url, data, content_type="text/csv")


def test_the_api_previews_then_imports_and_a_second_import_changes_nothing(api, jira_world):
    w = jira_world
    api.force_login(w.rte)
    preview = post_csv(api, w)
    assert preview.status_code == 200
    body = preview.json()
    assert body["dry_run"] is True and body["counts"]["create"] == 10
    assert not Feature.objects.filter(external_key="PAY-100").exists()
    row = next(r for r in body["rows"] if r["row"] == 9)
    assert row["action"] == "skip" and "duplicate key" in row["reason"]
    done = post_csv(api, w, dry_run="false", digest=body["digest"])
    assert done.status_code == 200 and done.json()["dry_run"] is False
    assert next(r for r in done.json()["rows"] if r["key"] == "PAY-100")["id"] == (
        Feature.objects.get(external_key="PAY-100").pk
    )
    history = ChangeRecord.objects.count()
    again = post_csv(api, w, dry_run="false")
    assert again.json()["counts"] == {"create": 0, "update": 0, "unchanged": 11, "skip": 5, "warnings": 3}
    assert ChangeRecord.objects.count() == history
    stale = post_csv(api, w, dry_run="false", digest=body["digest"])
    assert stale.status_code == 409 and "digest" in stale.json()


def test_the_api_takes_a_multipart_file_with_a_mapping(api, jira_world):
    w = jira_world
    api.force_login(w.rte)
    mapping = json.dumps({"statuses": {"QA Testing": {"story": "in_progress"}}})
    response = api.post(
        f"{API}?train={w.train.pk}&pi={w.pi.pk}",
        {"file": SimpleUploadedFile("jira.csv", EXPORT, "text/csv"), "mapping": mapping},
        format="multipart",
    )
    assert response.status_code == 200
    assert next(r for r in response.json()["rows"] if r["key"] == "PAY-113")["action"] == "create"


@pytest.mark.parametrize(
    ("query", "data", "field"),
    [
        ("pi={pi}", EXPORT, "train"),
        ("train={train}", EXPORT, "pi"),
        ("train={train}&pi=999999", EXPORT, "pi"),
        ("train={train}&pi={pi}&dry_run=maybe", EXPORT, "dry_run"),
        ("train={train}&pi={pi}&mapping=%7Bnot-json", EXPORT, "mapping"),
        ("train={train}&pi={pi}&mapping=%5B1%5D", EXPORT, "mapping"),
        ("train={train}&pi={pi}", b"", "file"),
        ("train={train}&pi={pi}", b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "file"),
        ("train={train}&pi={pi}", b"PAY-1,Epic,Done\r\n", "file"),
        ("train={train}&pi={pi}", ("a," * 10_000).encode(), "file"),
    ],
    ids=[
        "no train",
        "no pi",
        "other pi",
        "dry_run",
        "mapping not json",
        "mapping a list",
        "empty",
        "binary",
        "no header",
        "10,000 columns",
    ],
)
def test_bad_input_answers_400_naming_the_field(api, jira_world, query, data, field):
    w = jira_world
    api.force_login(w.rte)
    url = f"{API}?" + query.format(train=w.train.pk, pi=w.pi.pk)
    counts = Feature.objects.count(), Story.objects.count()
    response = api.post(url, data, content_type="text/csv")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert (Feature.objects.count(), Story.objects.count()) == counts


def test_the_api_refuses_a_body_over_the_limit_with_413(api, jira_world, settings):
    w = jira_world
    api.force_login(w.rte)
    settings.RAILYARD_IMPORT_MAX_BYTES = 1000
    response = post_csv(api, w)
    assert response.status_code == 413
    assert "larger than 1 KB" in response.json()["file"][0]
    settings.RAILYARD_IMPORT_MAX_BYTES, settings.RAILYARD_IMPORT_MAX_ROWS = 5_000_000, 5
    rows = post_csv(api, w)
    assert rows.status_code == 413 and "more than 5 rows" in rows.json()["file"][0]


@pytest.mark.parametrize(("role", "status"), [("viewer", 403), ("member", 403), ("outsider", 404)])
def test_the_api_answers_the_policy(api, jira_world, role, status):
    w = jira_world
    api.force_login(w.user(role))
    assert post_csv(api, w, dry_run="false").status_code == status
    assert not Feature.objects.filter(external_key="PAY-100").exists()
