"""The ROAM board and `risks/`: each allowed and each refused move, through the page and the
API, with the rule's words; the move kept in the card's history; the quick form after a
refusal; who may move risks; stale moves."""

import datetime as dt
import re

import pytest

from pi_planning import services
from pi_planning.models import Risk

pytestmark = pytest.mark.django_db

# (from, to, what the move supplies): hand-written from domain.md's ROAM rules.
ALLOWED = [
    ("unroamed", "resolved", {}),
    ("unroamed", "owned", {"owner": "Ana"}),
    ("unroamed", "accepted", {}),
    ("unroamed", "mitigated", {"owner": "Ana", "mitigation_plan": "Book the backup slot"}),
    ("owned", "resolved", {}),
    ("owned", "accepted", {}),
    ("owned", "mitigated", {"mitigation_plan": "Book the backup slot"}),  # already has its owner
    ("accepted", "resolved", {}),
    ("accepted", "owned", {"owner": "Ana"}),
    ("accepted", "mitigated", {"owner": "Ana", "mitigation_plan": "Book the backup slot"}),
    ("mitigated", "resolved", {}),
    ("mitigated", "owned", {}),
    ("mitigated", "accepted", {}),
]
# (from, to, what the move supplies, the field refused, the rule's words)
REFUSED = [
    ("unroamed", "owned", {}, "owner", "Owned needs an owner"),
    ("unroamed", "mitigated", {"owner": "Ana"}, "mitigation_plan", "Mitigated needs a mitigation plan"),
    ("unroamed", "mitigated", {"mitigation_plan": "Plan"}, "owner", "Mitigated needs an owner"),
    ("owned", "mitigated", {}, "mitigation_plan", "Mitigated needs a mitigation plan"),
    ("accepted", "owned", {}, "owner", "Owned needs an owner"),
    ("accepted", "mitigated", {"owner": "Ana"}, "mitigation_plan", "Mitigated needs a mitigation plan"),
    ("owned", "unroamed", {}, "roam", "a risk cannot go back to Un-ROAMed"),
    ("accepted", "unroamed", {}, "roam", "a risk cannot go back to Un-ROAMed"),
    ("mitigated", "unroamed", {}, "roam", "a risk cannot go back to Un-ROAMed"),
    ("resolved", "unroamed", {}, "roam", "a risk cannot go back to Un-ROAMed"),
    (
        "resolved",
        "owned",
        {"owner": "Ana"},
        "roam",
        "a Resolved risk stays resolved: raise a new risk instead",
    ),
    ("resolved", "accepted", {}, "roam", "a Resolved risk stays resolved: raise a new risk instead"),
    (
        "resolved",
        "mitigated",
        {"owner": "Ana", "mitigation_plan": "Plan"},
        "roam",
        "a Resolved risk stays resolved: raise a new risk instead",
    ),
]
LABELS = {
    "unroamed": "Un-ROAMed",
    "resolved": "Resolved",
    "owned": "Owned",
    "accepted": "Accepted",
    "mitigated": "Mitigated",
}


def risk_in(world, roam: str) -> Risk:
    """A risk of the world's PI in the `roam` column, put there through the services."""
    risk = services.risk_create(
        actor=world.rte, train=world.train, pi=world.pi, team=world.team, title=f"Risk {roam}"
    )
    if roam == "owned":
        risk = services.risk_roam(actor=world.rte, risk=risk, roam="owned", owner="Olga")
    elif roam == "mitigated":
        risk = services.risk_roam(
            actor=world.rte, risk=risk, roam="mitigated", owner="Olga", mitigation_plan="Pair up"
        )
    elif roam != "unroamed":
        risk = services.risk_roam(actor=world.rte, risk=risk, roam=roam)
    return risk


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.mark.parametrize("start, target, supplied", ALLOWED)
def test_allowed_move_through_the_api(world, api_as, start, target, supplied):
    risk = risk_in(world, start)
    response = api_as("member").patch(
        f"/api/v1/risks/{risk.pk}/", {"roam": target, "version": risk.version, **supplied}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["roam"] == target and response.json()["version"] == risk.version + 1
    history = api_as("viewer").get(f"/api/v1/risks/{risk.pk}/history/").json()
    assert history[0]["changes"]["roam"] == [start, target]


@pytest.mark.parametrize("start, target, supplied, field, message", REFUSED)
def test_refused_move_through_the_api(world, api_as, start, target, supplied, field, message):
    risk = risk_in(world, start)
    response = api_as("member").patch(
        f"/api/v1/risks/{risk.pk}/", {"roam": target, **supplied, "version": risk.version}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {field: [message]}
    fresh = Risk.objects.get(pk=risk.pk)
    assert (fresh.roam, fresh.version) == (start, risk.version)


@pytest.mark.parametrize("start, target, supplied", ALLOWED)
def test_allowed_move_through_the_page(world, page_as, htmx, urls, start, target, supplied):
    risk = risk_in(world, start)
    page_as("member")
    response = htmx.post(
        urls.page("risk_move", risk_id=risk.pk),
        {"roam": target, "initial-roam": start, "version": risk.version, **supplied},
        target=f"risk-{risk.pk}",
    )
    assert response.status_code == 200
    body = text(response)
    assert f'data-roam="{target}"' in body
    # The move is in the card's history, shown on the card.
    assert re.search(
        rf"ROAM</span> <span class=\"card-history__before\">{LABELS[start]}</span>.*?{LABELS[target]}", body
    )
    assert Risk.objects.get(pk=risk.pk).roam == target


@pytest.mark.parametrize("start, target, supplied, field, message", REFUSED)
def test_refused_move_through_the_page(world, page_as, htmx, urls, start, target, supplied, field, message):
    risk = risk_in(world, start)
    page_as("member")
    response = htmx.post(
        urls.page("risk_move", risk_id=risk.pk),
        {"roam": target, "initial-roam": start, "version": risk.version, **supplied},
        target=f"risk-{risk.pk}",
    )
    assert response.status_code == 422
    body = text(response)
    # The card stays in its column, the refusal next to it in the rule's words.
    assert f'data-roam="{start}"' in body
    assert f"Not moved to {LABELS[target]}: {message}".replace("'", "&#x27;") in body
    if field in ("owner", "mitigation_plan"):
        assert "Complete the move to" in body and f'name="{field}"' in body
    assert Risk.objects.get(pk=risk.pk).roam == start


def test_the_quick_form_supplies_the_plan_and_completes_the_move(world, page_as, htmx, urls):
    risk = risk_in(world, "owned")
    page_as("member")
    refused = text(
        htmx.post(urls.page("risk_move", risk_id=risk.pk), {"roam": "mitigated", "version": risk.version})
    )
    assert "Mitigated needs a mitigation plan" in refused and 'name="mitigation_plan"' in refused
    assert 'name="owner" value="Olga"' in refused
    done = htmx.post(
        urls.page("risk_move", risk_id=risk.pk),
        {
            "roam": "mitigated",
            "version": risk.version,
            "owner": "Olga",
            "mitigation_plan": "Second slot booked",
        },
    )
    assert done.status_code == 200 and 'data-roam="mitigated"' in done.content.decode()
    risk.refresh_from_db()
    assert (risk.roam, risk.owner, risk.mitigation_plan) == ("mitigated", "Olga", "Second slot booked")


def test_the_board_has_five_columns_with_age_and_a_move_menu(world, page_as, urls):
    for roam in ("unroamed", "owned", "accepted", "mitigated", "resolved"):
        risk_in(world, roam)
    owned = Risk.objects.get(roam="owned")
    Risk.objects.filter(pk=owned.pk).update(created_at=owned.created_at - dt.timedelta(days=12, hours=2))
    body = text(page_as("member").get(urls.page("risks")))
    titles = re.findall(r'<h2 class="roam-column__title"[^>]*>([^<]+)</h2>', body)
    assert titles == ["Un-ROAMed", "Resolved", "Owned", "Accepted", "Mitigated"]
    owned = body[body.index('data-roam="owned" data-version') :]
    assert "12 days old" in owned
    # The keyboard alternative: a menu of the moves the rules allow from Owned.
    menu = owned[owned.index("Move to…") : owned.index("</details>")]
    assert re.findall(r'name="roam" value="(\w+)"', menu) == ["resolved", "accepted", "mitigated"]
    assert "data-roam-board" in body and "Sortable.min.js" in body


def test_who_may_move_risks(world, page_as, htmx, urls, api_as):
    risk = risk_in(world, "unroamed")
    for role, status in (("viewer", 403), ("business_owner", 403), ("product", 403), ("outsider", 404)):
        page_as(role)
        assert htmx.post(urls.page("risk_move", risk_id=risk.pk), {"roam": "accepted"}).status_code == status
        assert (
            api_as(role)
            .patch(f"/api/v1/risks/{risk.pk}/", {"roam": "accepted", "version": risk.version}, format="json")
            .status_code
            == status
        )
    assert (
        api_as(None)
        .patch(f"/api/v1/risks/{risk.pk}/", {"roam": "accepted", "version": risk.version}, format="json")
        .status_code
        == 401
    )
    assert "data-move-url" not in text(page_as("viewer").get(urls.page("risks")))
    # Team members change risks of their own team or of no team (docs/domain.md, "Roles").
    refused = api_as("other_member").patch(
        f"/api/v1/risks/{risk.pk}/", {"roam": "accepted", "version": risk.version}, format="json"
    )
    assert refused.status_code == 403
    assert "own team or of no team" in refused.json()["detail"]
    assert (
        api_as("member")
        .patch(f"/api/v1/risks/{risk.pk}/", {"roam": "accepted", "version": risk.version}, format="json")
        .status_code
        == 200
    )
    whole_train = services.risk_create(actor=world.rte, train=world.train, pi=world.pi, title="No team's")
    assert (
        api_as("other_member")
        .patch(
            f"/api/v1/risks/{whole_train.pk}/",
            {"roam": "accepted", "version": whole_train.version},
            format="json",
        )
        .status_code
        == 200
    )


def test_a_stale_move_shows_the_current_card(world, page_as, htmx, urls, api_as):
    risk = risk_in(world, "unroamed")
    services.risk_roam(actor=world.rte, risk=risk, roam="accepted", version=1)
    page_as("member")
    response = htmx.post(
        urls.page("risk_move", risk_id=risk.pk),
        {"roam": "resolved", "initial-roam": "unroamed", "version": 1},
    )
    assert response.status_code == 409
    body = text(response)
    assert 'data-roam="accepted"' in body and "Someone else changed this card" in body
    assert re.search(r"Move to.*?both changed.*?Un-ROAMed.*?Resolved.*?Accepted", body)
    stale = api_as("member").patch(
        f"/api/v1/risks/{risk.pk}/", {"roam": "resolved", "version": 1}, format="json"
    )
    assert stale.status_code == 409 and stale.json()["current"]["roam"] == "accepted"
    assert (
        api_as("member")
        .patch(f"/api/v1/risks/{risk.pk}/", {"roam": "resolved"}, format="json", HTTP_IF_MATCH='"1"')
        .status_code
        == 412
    )


def test_raise_and_edit_a_risk(world, page_as, htmx, urls, api_as):
    page_as("member")
    created = htmx.post(
        urls.page("risk_create"),
        {"title": "Vendor SDK end of life", "team": world.team.pk},
        target="roam-board",
    )
    assert created.status_code == 200 and "Vendor SDK end of life" in created.content.decode()
    risk = Risk.objects.get(title="Vendor SDK end of life")
    assert (risk.roam, risk.pi, risk.team, risk.created_by) == (
        "unroamed",
        world.pi,
        world.team,
        world.member,
    )
    refused = htmx.post(urls.page("risk_create"), {"title": ""})
    assert refused.status_code == 422 and refused.headers["HX-Retarget"] == "#risk-create-details"
    saved = htmx.post(
        urls.page("risk_update", risk_id=risk.pk),
        {"title": risk.title, "initial-title": risk.title, "owner": "Ana", "initial-owner": "", "version": 1},
    )
    assert saved.status_code == 200 and "Ana" in saved.content.decode()
    api = api_as("member")
    made = api.post(
        "/api/v1/risks/", {"train": world.train.pk, "pi": world.pi.pk, "title": "From the API"}, format="json"
    )
    assert made.status_code == 201
    assert (made.json()["roam"], made.json()["age_days"], made.json()["version"]) == ("unroamed", 0, 1)
    assert (
        api_as("viewer")
        .post("/api/v1/risks/", {"train": world.train.pk, "title": "x"}, format="json")
        .status_code
        == 403
    )
    listed = api_as("viewer").get(f"/api/v1/risks/?pi={world.pi.pk}&roam=unroamed").json()
    assert {r["title"] for r in listed["results"]} == {"From the API", "Vendor SDK end of life"}
