"""The API of system demos and release notes: status codes, field-named refusals, access per
role, versions, and the Markdown variant of the release notes."""

import pytest

from sync import services
from sync.models import DemoFeedback, DemoItem, SystemDemo
from tests.art.factories import FeatureFactory, TrainFactory

pytestmark = pytest.mark.django_db


def prepared(finished, number=2):
    demo, _ = services.system_demo_prepare(actor=finished.rte, iteration=finished.iteration(number))
    return demo


def test_preparing_is_idempotent(finished, api_as):
    api = api_as("rte")
    made = api.post("/api/v1/system-demos/", {"iteration": finished.iteration(2).pk}, format="json")
    assert made.status_code == 201, made.json()
    body = made.json()
    assert [i["title"] for i in body["items"]] == ["A", "B", "C"]
    assert body["outcome"] == {"shown": 3, "accepted": 0, "not_accepted": 0, "pending": 3}
    assert body["pi"] == finished.pi.pk and body["state"] == "planned" and made["ETag"] == '"1"'
    again = api.post("/api/v1/system-demos/", {"iteration": finished.iteration(2).pk}, format="json")
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert SystemDemo.objects.count() == 1


def test_preparing_refusals(finished, api_as):
    ip = api_as("rte").post("/api/v1/system-demos/", {"iteration": finished.ip.pk}, format="json")
    assert ip.status_code == 400 and "IP is the IP iteration" in ip.json()["iteration"][0]
    viewer = api_as("viewer").post(
        "/api/v1/system-demos/", {"iteration": finished.iteration(2).pk}, format="json"
    )
    assert viewer.status_code == 403
    owner = api_as("business_owner").post(
        "/api/v1/system-demos/", {"iteration": finished.iteration(2).pk}, format="json"
    )
    assert owner.status_code == 403
    outsider = api_as("outsider").post(
        "/api/v1/system-demos/", {"iteration": finished.iteration(2).pk}, format="json"
    )
    assert outsider.status_code == 400 and "does not exist" in outsider.json()["iteration"][0]
    assert api_as(None).get("/api/v1/system-demos/").status_code in (401, 403)
    assert not SystemDemo.objects.exists()


def test_reading_demos(finished, api_as):
    demo = prepared(finished)
    services.demo_feedback_add(actor=finished.member, demo=demo, text="Nice", stakeholder="CFO")
    api = api_as("viewer")
    listed = api.get(f"/api/v1/system-demos/?pi={finished.pi.pk}").json()
    assert listed["count"] == 1 and listed["results"][0]["outcome"]["shown"] == 3
    assert "items" not in listed["results"][0]
    assert api.get(f"/api/v1/system-demos/?iteration={finished.iteration(3).pk}").json()["count"] == 0
    one = api.get(f"/api/v1/system-demos/{demo.pk}/")
    assert one.status_code == 200 and one["ETag"] == '"1"'
    assert (
        one.json()["feedback"][0]["stakeholder"] == "CFO"
        and one.json()["feedback"][0]["created_by"] == "member"
    )
    assert api_as("outsider").get(f"/api/v1/system-demos/{demo.pk}/").status_code == 404
    assert api_as("outsider").get("/api/v1/system-demos/").json()["count"] == 0


def test_patching_the_demo(finished, api_as):
    demo = prepared(finished)
    api = api_as("rte")
    held = api.patch(
        f"/api/v1/system-demos/{demo.pk}/", {"state": "held", "summary": "Shown", "version": 1}, format="json"
    )
    assert held.status_code == 200 and held.json()["held_at"] and held["ETag"] == '"2"'
    stale = api.patch(f"/api/v1/system-demos/{demo.pk}/", {"summary": "Other", "version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["current"]["summary"] == "Shown"
    precondition = api.patch(
        f"/api/v1/system-demos/{demo.pk}/", {"summary": "Other"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert precondition.status_code == 412
    bad = api.patch(f"/api/v1/system-demos/{demo.pk}/", {"state": "cancelled"}, format="json")
    assert bad.status_code == 400 and bad.json() == {"state": ["state must be one of planned, held"]}
    assert (
        api_as("business_owner")
        .patch(f"/api/v1/system-demos/{demo.pk}/", {"summary": "x"}, format="json")
        .status_code
        == 403
    )
    assert SystemDemo.objects.get().summary == "Shown"
    assert api.put(f"/api/v1/system-demos/{demo.pk}/", {}, format="json").status_code == 405
    assert api.delete(f"/api/v1/system-demos/{demo.pk}/").status_code == 405


def test_deciding_items(finished, api_as):
    demo = prepared(finished)
    item = demo.items.order_by("position").first()
    url = f"/api/v1/demo-items/{item.pk}/"
    decided = api_as("business_owner").patch(
        url, {"outcome": "accepted", "notes": "Great", "version": 1}, format="json"
    )
    assert decided.status_code == 200 and decided.json()["outcome"] == "accepted" and decided["ETag"] == '"2"'
    member = api_as("member").patch(url, {"outcome": "not_accepted", "version": 2}, format="json")
    assert member.status_code == 403 and "business owners" in member.json()["detail"]
    assert (
        api_as("viewer").patch(url, {"outcome": "not_accepted", "version": 2}, format="json").status_code
        == 403
    )
    unknown = api_as("rte").patch(url, {"outcome": "maybe", "version": 2}, format="json")
    assert unknown.status_code == 400 and unknown.json() == {
        "outcome": ["outcome must be one of pending, accepted, not_accepted"]
    }
    stale = api_as("rte").patch(url, {"outcome": "pending", "version": 1}, format="json")
    assert stale.status_code == 409
    assert api_as("outsider").patch(url, {"outcome": "pending"}, format="json").status_code == 404
    assert DemoItem.objects.get(pk=item.pk).outcome == "accepted"


def test_adding_moving_and_removing_items(finished, api_as):
    demo = prepared(finished)
    api = api_as("rte")
    d = finished.features["D"]
    added = api.post("/api/v1/demo-items/", {"demo": demo.pk, "feature": d.pk}, format="json")
    assert added.status_code == 201 and added.json()["position"] == 3 and added.json()["team"] == "Alpha"
    moved = api.patch(
        f"/api/v1/demo-items/{added.json()['id']}/",
        {"position": 0, "version": added.json()["version"]},
        format="json",
    )
    assert moved.status_code == 200 and moved.json()["position"] == 0
    listed = api.get(f"/api/v1/demo-items/?demo={demo.pk}&ordering=position").json()["results"]
    assert [i["title"] for i in listed] == ["D", "A", "B", "C"]
    twice = api.post("/api/v1/demo-items/", {"demo": demo.pk, "feature": d.pk}, format="json")
    assert twice.status_code == 400 and "already on this demo" in twice.json()["feature"][0]
    foreign = FeatureFactory(train=TrainFactory())
    other = api.post("/api/v1/demo-items/", {"demo": demo.pk, "feature": foreign.pk}, format="json")
    assert other.status_code == 400 and "feature" in other.json()
    owner = api_as("business_owner").post(
        "/api/v1/demo-items/", {"demo": demo.pk, "feature": finished.features["F"].pk}, format="json"
    )
    assert owner.status_code == 403
    assert api.delete(f"/api/v1/demo-items/{added.json()['id']}/").status_code == 204
    assert demo.items.count() == 3


def test_feedback(finished, api_as):
    demo = prepared(finished)
    a = finished.features["A"]
    made = api_as("member").post(
        "/api/v1/demo-feedback/",
        {"demo": demo.pk, "text": "Love it", "stakeholder": "CFO", "feature": a.pk},
        format="json",
    )
    assert (
        made.status_code == 201 and made.json()["created_by"] == "member" and made.json()["feature"] == a.pk
    )
    empty = api_as("member").post("/api/v1/demo-feedback/", {"demo": demo.pk, "text": ""}, format="json")
    assert empty.status_code == 400 and empty.json() == {
        "text": ["text is required: what did the stakeholder say?"]
    }
    assert (
        api_as("viewer")
        .post("/api/v1/demo-feedback/", {"demo": demo.pk, "text": "Hi"}, format="json")
        .status_code
        == 403
    )
    url = f"/api/v1/demo-feedback/{made.json()['id']}/"
    assert api_as("other_member").delete(url).status_code == 403
    assert api_as("viewer").delete(url).status_code == 403
    assert api_as("outsider").delete(url).status_code == 404
    assert api_as("member").delete(url).status_code == 204
    assert not DemoFeedback.objects.exists()


def test_release_notes_as_json(finished, api_as):
    api = api_as("viewer")
    body = api.get(f"/api/v1/iterations/{finished.iteration(2).pk}/release-notes/").json()
    assert (body["start"], body["end"], body["count"]) == ("2026-01-19", "2026-02-01", 3)
    assert [(g["kind"], [f["title"] for f in g["features"]]) for g in body["groups"]] == [
        ("business", ["A"]),
        ("enabler", ["B"]),
        ("defect", ["C"]),
    ]
    b = body["groups"][1]["features"][0]
    assert {k: b[k] for k in ("key", "title", "team", "points")} == {
        "key": "PAY-7",
        "title": "B",
        "team": "Bravo",
        "points": 8,
    }
    pi = api.get(f"/api/v1/pis/{finished.pi.pk}/release-notes/").json()
    assert pi["count"] == 6 and pi["iteration"] is None
    assert api_as("outsider").get(f"/api/v1/pis/{finished.pi.pk}/release-notes/").status_code == 404


def test_release_notes_as_markdown(finished, api_as):
    api = api_as("viewer")
    url = f"/api/v1/pis/{finished.pi.pk}/release-notes/"
    md = api.get(url + "?format=md")
    assert md.status_code == 200 and md["Content-Type"] == "text/markdown; charset=utf-8"
    assert md["Content-Disposition"] == 'attachment; filename="payments-PI-26.1-release-notes.md"'
    text = md.content.decode()
    assert text.startswith("# Payments ART release notes: PI 26.1\n") and "## Enablers (1)" in text
    accepted = api.get(url, HTTP_ACCEPT="text/markdown")
    assert accepted.status_code == 200 and accepted.content == md.content
    # errors answer JSON whatever was asked for
    missing = api_as("outsider").get(url + "?format=md")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/json"
    assert "detail" in missing.json()
