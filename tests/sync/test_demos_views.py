"""The pages of system demos and release notes: full pages and htmx fragments, refusals where the
thing refused is, access per role, the links from the PI page and the event page, and the
Markdown download."""

import datetime as dt

import pytest
from django.urls import reverse

from art.models import Feature
from sync import services
from sync.models import DemoFeedback, DemoItem, SystemDemo
from tests.conftest import Htmx

pytestmark = pytest.mark.django_db


def url(finished, name, number=2, **kwargs):
    base = {"slug": finished.train.slug, "pi_id": finished.pi.pk}
    if name != "pi_demos" and not name.startswith("release_notes"):
        base["iteration_id"] = finished.iteration(number).pk
    return reverse(f"sync:{name}", kwargs={**base, **kwargs})


def prepared(finished, number=2):
    demo, _ = services.system_demo_prepare(actor=finished.rte, iteration=finished.iteration(number))
    return demo


def test_the_pi_page_links_to_demos_and_release_notes(finished, page_as):
    page = page_as("viewer").get(
        reverse("art:pi", kwargs={"slug": finished.train.slug, "pi_id": finished.pi.pk})
    )
    html = page.content.decode()
    assert url(finished, "pi_demos") in html and "System demos" in html
    assert url(finished, "release_notes") in html and "Release notes" in html


def test_the_pis_demos_page(finished, page_as):
    prepared(finished)
    html = page_as("viewer").get(url(finished, "pi_demos")).content.decode()
    assert "3 shown · 0 accepted · 3 not decided" in html
    assert "1 finished so far" in html  # Iteration 1, not prepared
    assert "the IP iteration's increment is shown at Inspect &amp; Adapt" in html
    assert page_as("outsider").get(url(finished, "pi_demos")).status_code == 404


def test_an_unprepared_demo_offers_the_rte_to_prepare_it(finished, page_as):
    html = page_as("rte").get(url(finished, "demo")).content.decode()
    assert "not prepared yet" in html and 'id="demo-prepare"' in html
    viewer = page_as("viewer").get(url(finished, "demo")).content.decode()
    assert "not prepared yet" in viewer and 'id="demo-prepare"' not in viewer


def test_preparing_with_htmx_and_without(finished, client, page_as):
    page_as("rte")
    answer = Htmx(client).post(url(finished, "demo_prepare"), target="demo-page")
    assert answer.status_code == 200 and 'id="demo-page"' in answer.content.decode()
    assert "<html" not in answer.content.decode() and "prepared with the 3 features" in answer["HX-Trigger"]
    again = client.post(url(finished, "demo_prepare"))
    assert again.status_code == 302 and again["Location"].endswith(url(finished, "demo"))
    assert SystemDemo.objects.count() == 1


def test_the_ip_iteration_is_refused_in_words(finished, client, page_as):
    page_as("rte")
    ip = finished.ip.pk
    page = client.get(
        url(finished, "demo", iteration_id=ip, number=None)
        if False
        else url(finished, "pi_demos").replace("demos/", f"demos/{ip}/")
    )
    assert "IP is the IP iteration" in page.content.decode()
    refused = Htmx(client).post(url(finished, "pi_demos").replace("demos/", f"demos/{ip}/prepare/"))
    assert refused.status_code == 422 and "IP is the IP iteration" in refused.content.decode()
    assert not SystemDemo.objects.exists()


def test_the_empty_state_when_nothing_finished(finished, page_as):
    prepared(finished, number=4)
    html = page_as("rte").get(url(finished, "demo", number=4)).content.decode()
    assert "Nothing finished in Iteration 4 yet — add the features you will show" in html


def test_the_demo_page_is_the_record(finished, page_as):
    demo = prepared(finished)
    services.system_demo_update(actor=finished.rte, demo=demo, state="held", summary="Shown on staging")
    services.demo_feedback_add(
        actor=finished.member, demo=demo, text="Payouts <b>faster</b>", stakeholder="CFO"
    )
    html = page_as("viewer").get(url(finished, "demo")).content.decode()
    assert "Shown on staging" in html and "Payouts &lt;b&gt;faster&lt;/b&gt;" in html and "CFO" in html
    assert "PAY-7" in html and "Held" in html
    # a viewer reads: no form
    assert "Add to the demo" not in html and "Note feedback" not in html and "demo-item__decide" not in html
    htmx = page_as("rte").get(url(finished, "demo"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="demo-record")
    assert htmx.status_code == 200 and htmx.content.decode().lstrip().startswith('<div id="demo-record"')


def test_a_business_owner_decides_an_item(finished, client, page_as):
    item = prepared(finished).items.order_by("position").first()
    page_as("business_owner")
    answer = Htmx(client).post(
        url(finished, "demo_item_update", item_id=item.pk),
        {"outcome": "not_accepted", "notes": "Not yet", "version": 1},
    )
    html = answer.content.decode()
    assert answer.status_code == 200 and html.lstrip().startswith(
        '<li class="demo-item demo-item--not_accepted"'
    )
    assert 'id="demo-tally" class="demo-tally" hx-swap-oob="true"' in html and "1 not accepted" in html
    words = "3 shown · 0 accepted · 1 not accepted · 2 not decided"
    assert f'<span id="demo-outcome" hx-swap-oob="true">{words}</span>' in html
    saved = DemoItem.objects.get(pk=item.pk)
    assert (saved.outcome, saved.notes, saved.version) == ("not_accepted", "Not yet", 2)
    # a stale version: 409, the item as it is now, nothing saved
    stale = Htmx(client).post(
        url(finished, "demo_item_update", item_id=item.pk), {"outcome": "accepted", "version": 1}
    )
    assert stale.status_code == 409 and "Someone else decided this feature" in stale.content.decode()
    assert DemoItem.objects.get(pk=item.pk).outcome == "not_accepted"
    # an unknown outcome: 422 next to the field
    bad = Htmx(client).post(
        url(finished, "demo_item_update", item_id=item.pk), {"outcome": "maybe", "version": 2}
    )
    assert bad.status_code == 422 and "Select a valid choice" in bad.content.decode()


def test_a_member_may_not_decide_but_may_note_feedback(finished, client, page_as):
    demo = prepared(finished)
    item = demo.items.first()
    page_as("member")
    refused = client.post(url(finished, "demo_item_update", item_id=item.pk), {"outcome": "accepted"})
    assert refused.status_code == 403 and DemoItem.objects.get(pk=item.pk).outcome == "pending"
    noted = Htmx(client).post(
        url(finished, "demo_feedback_add"), {"text": "Great", "stakeholder": "CFO", "feature": ""}
    )
    assert noted.status_code == 200 and noted.content.decode().lstrip().startswith(
        '<section class="card section demo-feedback"'
    )
    empty = Htmx(client).post(url(finished, "demo_feedback_add"), {"text": " ", "stakeholder": "CFO"})
    assert empty.status_code == 422 and "Feedback is required" in empty.content.decode()
    assert DemoFeedback.objects.count() == 1
    note = DemoFeedback.objects.get()
    page_as("other_member")
    assert client.post(url(finished, "demo_feedback_delete", feedback_id=note.pk)).status_code == 403
    page_as("viewer")
    assert client.post(url(finished, "demo_feedback_add"), {"text": "Hi"}).status_code == 403
    page_as("member")
    deleted = client.post(url(finished, "demo_feedback_delete", feedback_id=note.pk))
    assert deleted.status_code == 302 and not DemoFeedback.objects.exists()


def test_the_rte_adds_orders_and_removes_features(finished, client, page_as):
    demo = prepared(finished)
    page_as("rte")
    d = finished.features["D"]
    added = Htmx(client).post(url(finished, "demo_item_add"), {"feature": d.key})
    assert added.status_code == 200 and f"{d.key}" in added.content.decode()
    unknown = Htmx(client).post(url(finished, "demo_item_add"), {"feature": "NOPE-1"})
    assert (
        unknown.status_code == 422
        and "No feature of this train has the key NOPE-1" in unknown.content.decode()
    )
    item = demo.items.get(feature=d)
    moved = Htmx(client).post(url(finished, "demo_item_move", item_id=item.pk), {"position": 2})
    assert moved.status_code == 200 and "moved up" in moved["HX-Trigger"]
    assert list(demo.items.order_by("position").values_list("feature__title", flat=True)) == [
        "A",
        "B",
        "D",
        "C",
    ]
    removed = client.post(url(finished, "demo_item_remove", item_id=item.pk))
    assert removed.status_code == 302 and demo.items.count() == 3
    page_as("business_owner")
    assert client.post(url(finished, "demo_item_add"), {"feature": d.key}).status_code == 403


def test_the_summary_and_its_conflict(finished, client, page_as):
    demo = prepared(finished)
    page_as("rte")
    saved = Htmx(client).post(
        url(finished, "demo_update"), {"summary": "Good demo", "state": "held", "version": 1}
    )
    assert saved.status_code == 200 and "marked held" in saved["HX-Trigger"]
    stale = Htmx(client).post(
        url(finished, "demo_update"), {"summary": "Other", "state": "held", "version": 1}
    )
    assert stale.status_code == 409 and "Someone else changed this demo" in stale.content.decode()
    assert SystemDemo.objects.get(pk=demo.pk).summary == "Good demo"


def test_another_trains_demo_is_not_found(finished, page_as):
    prepared(finished)
    assert page_as("outsider").get(url(finished, "demo")).status_code == 404


def test_the_event_of_a_system_demo_links_to_its_record(finished, page_as):
    event = services.event_create(
        actor=finished.rte,
        train=finished.train,
        pi=finished.pi,
        kind="system_demo",
        starts_at=dt.datetime(2026, 1, 30, 14, tzinfo=dt.UTC),
        ends_at=dt.datetime(2026, 1, 30, 15, tzinfo=dt.UTC),
    )
    html = (
        page_as("viewer")
        .get(reverse("sync:event", kwargs={"slug": finished.train.slug, "event_id": event.pk}))
        .content.decode()
    )
    assert url(finished, "demo") in html and "System demo record of Iteration 2" in html


def test_the_release_notes_page(finished, page_as):
    client = page_as("viewer")
    html = client.get(
        url(finished, "release_notes") + f"?iteration={finished.iteration(2).pk}"
    ).content.decode()
    assert "PAY-7" in html and "Enablers" in html and "Defects fixed" in html and "3 features" in html
    whole = client.get(url(finished, "release_notes")).content.decode()
    assert "6 features" in whole
    assert client.get(url(finished, "release_notes") + "?iteration=999999").status_code == 404
    fragment = client.get(
        url(finished, "release_notes"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="release-notes"
    )
    assert fragment.content.decode().lstrip().startswith('<section id="release-notes"')
    empty = client.get(
        url(finished, "release_notes") + f"?iteration={finished.iteration(4).pk}"
    ).content.decode()
    assert "No feature finished in PI 26.1 · Iteration 4 yet" in empty


def test_the_markdown_download(finished, page_as):
    Feature.objects.filter(pk=finished.features["A"].pk).update(title="Pay *now* [beta] <script>")
    client = page_as("viewer")
    md = client.get(url(finished, "release_notes_md") + f"?iteration={finished.iteration(2).pk}")
    assert md.status_code == 200 and md["Content-Type"] == "text/markdown; charset=utf-8"
    assert md["Content-Disposition"] == 'attachment; filename="payments-PI-26.1-Iteration-2-release-notes.md"'
    text = md.content.decode()
    assert f"- **{finished.features['A'].key}** Pay \\*now\\* \\[beta\\] \\<script\\> (Alpha, 5 pts)" in text
    assert page_as("outsider").get(url(finished, "release_notes_md")).status_code == 404
