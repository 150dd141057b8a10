"""One view, one template: each page serves itself whole, and its named partials to htmx
(the fragment's root carries the id htmx swaps). Writes without JavaScript redirect back."""

import pytest

from pi_planning import services
from tests.pi_planning.factories import ObjectiveFactory
from tests.pi_planning.helpers import iterations

pytestmark = pytest.mark.django_db


@pytest.fixture
def cards(world):
    objective = ObjectiveFactory(pi=world.pi, team=world.team, planned_bv=5)
    dep = services.dependency_create(
        actor=world.rte,
        pi=world.pi,
        requester_team=world.team,
        provider_team=world.other_team,
        needed_by=iterations(world.pi)[2],
    )
    risk = services.risk_create(actor=world.rte, train=world.train, pi=world.pi, title="Risk")
    services.vote_round_open(actor=world.rte, pi=world.pi)
    return {"objective": objective, "dep": dep, "risk": risk}


def fragment(response, root_id):
    body = response.content.decode()
    assert response.status_code == 200, body[:300]
    assert "<html" not in body
    assert f'id="{root_id}"' in body.split(">", 1)[0] + ">", body[:200]
    return body


def test_full_pages(world, cards, page_as, urls):
    page_as("rte")
    for name in ("objectives", "vote", "confidence", "dependencies", "risks"):
        response = page_as("rte").get(urls.page(name))
        body = response.content.decode()
        assert response.status_code == 200 and "<html" in body and 'aria-current="page"' in body, name


def test_fragments(world, cards, page_as, htmx, urls):
    page_as("rte")
    team = world.team.pk
    section = fragment(htmx.get(urls.page("objectives"), target=f"team-{team}"), f"team-{team}")
    assert 'id="objectives-summary" class="objectives-summary" hx-swap-oob="true"' in section
    edit = fragment(
        htmx.get(urls.page("objectives") + f"?edit={cards['objective'].pk}", target=f"team-{team}"),
        f"team-{team}",
    )
    assert 'name="initial-title"' in edit and 'name="version" value="1"' in edit
    fragment(htmx.get(urls.page("vote"), target="vote-scopes"), "vote-scopes")
    fragment(htmx.get(urls.page("confidence_scope", scope="train")), "scope-train")
    fragment(htmx.get(urls.page("confidence_scope", scope="train") + "?part=count"), "scope-train-count")
    fragment(htmx.get(urls.page("dependencies"), target="dependency-board"), "dependency-board")
    dep = cards["dep"].pk
    fragment(htmx.get(urls.page("dependency", dep_id=dep)), f"dep-{dep}")
    assert 'name="owner"' in fragment(htmx.get(urls.page("dependency", dep_id=dep) + "?edit=1"), f"dep-{dep}")
    fragment(htmx.get(urls.page("risks"), target="roam-board"), "roam-board")
    risk = cards["risk"].pk
    fragment(htmx.get(urls.page("risk", risk_id=risk)), f"risk-{risk}")
    assert 'name="mitigation_plan"' in fragment(
        htmx.get(urls.page("risk", risk_id=risk) + "?edit=1"), f"risk-{risk}"
    )


def test_a_viewer_gets_no_edit_form(world, cards, page_as, htmx, urls):
    page_as("viewer")
    dep, risk = cards["dep"].pk, cards["risk"].pk
    assert 'name="owner"' not in htmx.get(urls.page("dependency", dep_id=dep) + "?edit=1").content.decode()
    assert 'name="title"' not in htmx.get(urls.page("risk", risk_id=risk) + "?edit=1").content.decode()
    page = htmx.get(
        urls.page("objectives") + f"?edit={cards['objective'].pk}", target=f"team-{world.team.pk}"
    )
    assert 'name="title"' not in page.content.decode()


def test_writes_without_javascript_redirect_back(world, cards, page_as, urls):
    client = page_as("rte")
    dep, risk = cards["dep"], cards["risk"]
    moved = client.post(urls.page("risk_move", risk_id=risk.pk), {"roam": "accepted", "version": 1})
    assert moved.status_code == 302 and moved.url.endswith(f"/risks/#risk-{risk.pk}")
    state = client.post(urls.page("dependency_state", dep_id=dep.pk), {"state": "blocked", "version": 1})
    # back to the board's page that shows the card (the board has pages of cards)
    assert state.status_code == 302 and state.url.endswith(f"/dependencies/?card={dep.pk}#dep-{dep.pk}")
    opened = client.post(urls.page("vote_round_open", scope=str(world.team.pk)))
    assert opened.status_code == 302
    voted = page_as("member").post(urls.page("vote_cast"), {"scope": "train", "score": 3})
    assert voted.status_code == 302
    # A refusal without JavaScript re-renders the whole page with the message on the card.
    refused = page_as("member").post(urls.page("risk_move", risk_id=risk.pk), {"roam": "owned", "version": 2})
    assert refused.status_code == 422
    body = refused.content.decode()
    assert "<html" in body and "Owned needs an owner" in body


def test_the_board_loads_comments_and_history_when_a_card_opens_them(world, cards, page_as, htmx, urls):
    dep = cards["dep"]
    services.dependency_comment_add(actor=world.member, dependency=dep, body="Can you do I2?")
    services.dependency_update(actor=world.member, dependency=dep, owner="Ana")
    page_as("member")
    board = htmx.get(urls.page("dependencies"), target="dependency-board").content.decode()
    card = board[board.index(f'id="dep-{dep.pk}"') :]
    # Counts come with the board; the lists load on opening.
    assert 'Comments <span class="count">1</span>' in card and 'History <span class="count">2</span>' in card
    assert "Can you do I2?" not in card and 'hx-trigger="toggle once from:closest details"' in card
    history = htmx.get(urls.page("dependency", dep_id=dep.pk) + "?part=history").content.decode()
    assert "Owner" in history and "Ana" in history and "<details" not in history
    comments = htmx.get(urls.page("dependency", dep_id=dep.pk) + "?part=comments").content.decode()
    assert "Can you do I2?" in comments and 'name="body"' in comments
    page_as("viewer")
    comments = htmx.get(urls.page("dependency", dep_id=dep.pk) + "?part=comments").content.decode()
    assert "Can you do I2?" in comments and 'name="body"' not in comments
