"""The dependency board and `dependencies/`: age (open and resolved) with hand-worked days, the
lifecycle with the allowed next states, health, who may change a card (the two teams involved
and the RTE), comments, filters and views, and stale writes (409 / 412)."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from art.models import Membership
from pi_planning import services
from pi_planning.models import Dependency, DependencyComment
from tests.art.factories import FeatureFactory, MembershipFactory, TeamFactory, UserFactory
from tests.pi_planning.helpers import iterations

pytestmark = pytest.mark.django_db


@pytest.fixture
def charlie(world):
    return TeamFactory(train=world.train, name="Charlie")


def dependency(world, *, requester=None, provider=None, needed=3, created_days=None, **kwargs):
    """Alpha needs something from Bravo by iteration `needed` (created `created_days` ago)."""
    created = timezone.now() - created_days if created_days is not None else None
    return services.dependency_create(
        actor=world.rte,
        pi=world.pi,
        requester_team=requester or world.team,
        provider_team=provider or world.other_team,
        needed_by=iterations(world.pi)[needed - 1],
        created_at=created,
        **kwargs,
    )


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- age --------------------------------------------------------------------------------------


def test_age_in_whole_days_open_and_resolved(world, api_as):
    # given: open for 20 days 3 hours; 14 days 1 hour (not aging: 14 is not more than 14);
    # 15 days 1 hour (aging); and one resolved 10 days 5 hours after it was raised 30 days ago.
    twenty = dependency(world, title="twenty", created_days=dt.timedelta(days=20, hours=3))
    fourteen = dependency(world, title="fourteen", created_days=dt.timedelta(days=14, hours=1))
    fifteen = dependency(world, title="fifteen", created_days=dt.timedelta(days=15, hours=1))
    resolved = dependency(world, title="resolved", created_days=dt.timedelta(days=30))
    resolved = services.dependency_set_state(actor=world.rte, dependency=resolved, state="cancelled")
    Dependency.objects.filter(pk=resolved.pk).update(
        resolved_at=resolved.created_at + dt.timedelta(days=10, hours=5)
    )
    # when the API lists them
    rows = {
        d["title"]: d
        for d in api_as("viewer").get(f"/api/v1/dependencies/?pi={world.pi.pk}").json()["results"]
    }
    # then the age is in whole days and a resolved one keeps its age
    assert {t: (r["age_days"], r["aging"]) for t, r in rows.items()} == {
        "twenty": (20, True),
        "fourteen": (14, False),
        "fifteen": (15, True),
        "resolved": (10, False),
    }
    aging = api_as("viewer").get(f"/api/v1/dependencies/?pi={world.pi.pk}&aging=true").json()
    assert sorted(d["title"] for d in aging["results"]) == ["fifteen", "twenty"]
    assert {twenty.pk, fourteen.pk, fifteen.pk, resolved.pk} == {r["id"] for r in rows.values()}


def test_the_board_shows_age_and_the_aging_view_puts_the_oldest_first(world, page_as, urls):
    dependency(world, title="young", created_days=dt.timedelta(days=2))
    dependency(world, title="old", created_days=dt.timedelta(days=20, hours=3))
    dependency(world, title="older", created_days=dt.timedelta(days=31))
    body = text(page_as("viewer").get(urls.page("dependencies") + "?view=aging"))
    assert body.index(">older<") < body.index(">old<") < body.index(">young<")
    assert re.search(r">old<.*?Age</dt> ?<dd>20 days", body)
    assert body.count("dep-card--aging") == 2
    only_aging = text(page_as("viewer").get(urls.page("dependencies") + "?aging=1"))
    assert ">young<" not in only_aging and ">older<" in only_aging


# --- lifecycle and health ---------------------------------------------------------------------


def test_the_providing_team_commits_counter_proposes_and_delivers_through_the_api(world, api_as):
    dep = dependency(world, needed=3)
    provider = api_as("other_member")
    url = f"/api/v1/dependencies/{dep.pk}/"
    # Commit without an iteration: accepts the needed-by one; health amber (same iteration).
    committed = provider.post(url + "state/", {"state": "committed", "version": dep.version}, format="json")
    assert committed.status_code == 200
    its = iterations(world.pi)
    assert (committed.json()["committed_iteration"], committed.json()["health"]) == (its[2].pk, "amber")
    # Counter-propose a later iteration: a conflict, named.
    counter = provider.patch(
        url, {"committed_iteration": its[3].pk, "version": committed.json()["version"]}, format="json"
    ).json()
    assert counter["health"] == "red" and "after it is needed" in counter["health_reason"]
    # Refused: in progress -> requested is not a move of the lifecycle.
    started = provider.patch(url, {"state": "in_progress", "version": counter["version"]}, format="json")
    assert started.status_code == 200
    refused = provider.patch(url, {"state": "requested", "version": started.json()["version"]}, format="json")
    assert refused.status_code == 400
    assert refused.json() == {"state": ["a in progress dependency cannot move to requested"]}
    delivered = provider.post(
        url + "state/", {"state": "delivered", "version": started.json()["version"]}, format="json"
    ).json()
    assert (delivered["state"], delivered["health"]) == ("delivered", "done")
    assert delivered["resolved_at"] is not None


def test_only_the_two_teams_and_the_rte_change_a_dependency(world, api_as, charlie):
    from art.models import Membership
    from tests.art.factories import MembershipFactory, UserFactory

    third = UserFactory(username="charlie_member")
    MembershipFactory(user=third, train=world.train, role=Membership.Role.MEMBER, team=charlie)
    dep = dependency(world)
    url = f"/api/v1/dependencies/{dep.pk}/"
    for who, status in (("member", 200), ("other_member", 200), ("rte", 200)):
        version = Dependency.objects.get(pk=dep.pk).version
        assert (
            api_as(who).patch(url, {"owner": who, "version": version}, format="json").status_code == status
        ), who
    for who, status in (
        (third, 403),
        ("business_owner", 403),
        ("product", 403),
        ("viewer", 403),
        ("outsider", 404),
        (None, 401),
    ):
        version = Dependency.objects.get(pk=dep.pk).version
        assert (
            api_as(who).patch(url, {"owner": "x", "version": version}, format="json").status_code == status
        ), who
        assert (
            api_as(who)
            .post(url + "state/", {"state": "committed", "version": version}, format="json")
            .status_code
            == status
        ), who
    assert api_as("viewer").get(url).status_code == 200
    body = {
        "pi": world.pi.pk,
        "requester_team": charlie.pk,
        "provider_team": world.other_team.pk,
        "needed_by": iterations(world.pi)[1].pk,
        "title": "Charlie needs",
    }
    assert api_as("member").post("/api/v1/dependencies/", body, format="json").status_code == 403
    assert api_as(third).post("/api/v1/dependencies/", body, format="json").status_code == 201
    external = {**body, "provider_team": None, "external_provider": "Bank API vendor"}
    created = api_as(third).post("/api/v1/dependencies/", external, format="json")
    assert created.status_code == 201 and created.json()["provider_team"] is None


def test_api_create_names_the_rule_and_health_is_read_only(world, api_as):
    body = {"pi": world.pi.pk, "requester_team": world.team.pk, "needed_by": iterations(world.pi)[1].pk}
    response = api_as("member").post("/api/v1/dependencies/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {"provider_team": ["provider_team or external_provider is required"]}
    refused = api_as("member").post(
        "/api/v1/dependencies/",
        {**body, "provider_team": world.other_team.pk, "health": "green"},
        format="json",
    )
    assert refused.status_code == 400
    assert refused.json() == {"health": ["health is read-only: it cannot be set here"]}
    created = api_as("member").post(
        "/api/v1/dependencies/", {**body, "provider_team": world.other_team.pk}, format="json"
    )
    assert created.status_code == 201
    assert created.json()["health"] == "red"  # not planned by the provider yet
    assert "has not planned it yet" in created.json()["health_reason"]


def test_api_comments_thread(world, api_as):
    dep = dependency(world)
    url = f"/api/v1/dependencies/{dep.pk}/comments/"
    assert api_as("other_member").post(url, {"body": "We can do it in I2"}, format="json").status_code == 201
    assert api_as("viewer").post(url, {"body": "hi"}, format="json").status_code == 403
    blank = api_as("member").post(url, {"body": "   "}, format="json")
    assert blank.status_code == 400
    rows = api_as("viewer").get(url).json()
    assert [(c["author"], c["body"]) for c in rows] == [("other_member", "We can do it in I2")]


def test_api_stale_writes_409_and_412(world, api_as):
    dep = dependency(world)
    url = f"/api/v1/dependencies/{dep.pk}/"
    first = api_as("member").get(url)
    assert first["ETag"] == '"1"'
    assert api_as("other_member").patch(url, {"owner": "Ben", "version": 1}, format="json").status_code == 200
    stale = api_as("member").patch(url, {"owner": "Ana", "version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["current"]["owner"] == "Ben"
    stale = api_as("member").post(url + "state/", {"state": "blocked"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    dep.refresh_from_db()
    assert (dep.owner, dep.state, dep.version) == ("Ben", "requested", 2)


def test_api_filters_by_team_state_and_health(world, api_as, charlie):
    its = iterations(world.pi)
    provider_feature = FeatureFactory(train=world.train, pi=world.pi, team=world.other_team, iteration=its[0])
    green = dependency(world, title="green", provider_feature=provider_feature, needed=3)
    dependency(world, title="red", needed=2)
    dependency(world, title="charlie", requester=charlie, provider=world.other_team)
    api = api_as("viewer")
    by_health = api.get(f"/api/v1/dependencies/?pi={world.pi.pk}&health=green").json()["results"]
    assert [d["id"] for d in by_health] == [green.pk]
    by_team = api.get(f"/api/v1/dependencies/?team={world.team.pk}").json()["results"]
    assert sorted(d["title"] for d in by_team) == ["green", "red"]
    assert api.get("/api/v1/dependencies/?state=delivered").json()["count"] == 0
    assert api.get("/api/v1/dependencies/?health=purple").status_code == 400


# --- pages ------------------------------------------------------------------------------------


def test_the_providing_team_updates_a_card_in_place(world, page_as, htmx, urls):
    dep = dependency(world, needed=3)
    its = iterations(world.pi)
    page_as("other_member")
    board = text(htmx.get(urls.page("dependencies")))
    card = board[board.index(f'id="dep-{dep.pk}"') :]
    # The next states of a requested dependency that the providing team moves it to, and the
    # current one (cancelling is the requesting team's).
    options = re.findall(r'<option value="(\w+)"', card[: card.index("</select>")])
    assert options == ["requested", "committed", "blocked"]
    response = htmx.post(
        urls.page("dependency_state", dep_id=dep.pk),
        {"state": "committed", "committed_iteration": its[1].pk, "version": 1, "initial-state": "requested"},
        target=f"dep-{dep.pk}",
    )
    assert response.status_code == 200
    body = text(response)
    assert body.lstrip().startswith('<article class="dep-card dep-card--green')
    assert "Committed · now" in body and "Iteration 2" in body and "Healthy" in body
    assert (
        "HX-Trigger" in response.headers
        and "is now committed for Iteration 2" in response.headers["HX-Trigger"]
    )
    dep.refresh_from_db()
    assert (dep.state, dep.committed_iteration, dep.version) == ("committed", its[1], 2)


def test_a_refused_move_answers_with_the_rule_next_to_the_card(world, page_as, htmx, urls):
    dep = dependency(world)
    page_as("other_member")  # the providing team: delivering is theirs, but not straight from requested
    response = htmx.post(urls.page("dependency_state", dep_id=dep.pk), {"state": "delivered", "version": 1})
    assert response.status_code == 422
    assert "A requested dependency cannot move to delivered" in response.content.decode()
    dep.refresh_from_db()
    assert dep.state == "requested"


def test_a_stale_card_update_shows_the_current_card_and_what_changed(world, page_as, htmx, urls):
    dep = dependency(world)
    services.dependency_set_state(actor=world.other_member, dependency=dep, state="blocked", version=1)
    page_as("member")
    response = htmx.post(
        urls.page("dependency_state", dep_id=dep.pk),
        {
            "state": "cancelled",
            "initial-state": "requested",
            "committed_iteration": "",
            "initial-committed_iteration": "",
            "version": 1,
        },
    )
    assert response.status_code == 409
    body = text(response)
    assert "Someone else changed this card" in body and "Blocked" in body
    assert re.search(r"State.*?both changed.*?Requested.*?Cancelled.*?Blocked", body)
    assert 'name="version" value="2"' in body
    dep.refresh_from_db()
    assert dep.state == "blocked"


def test_others_cannot_change_the_card_from_the_page(world, page_as, htmx, urls):
    dep = dependency(world)
    for role, status in (("viewer", 403), ("business_owner", 403), ("product", 403), ("outsider", 404)):
        page_as(role)
        assert (
            htmx.post(urls.page("dependency_state", dep_id=dep.pk), {"state": "committed"}).status_code
            == status
        )
        assert htmx.post(urls.page("dependency_comment", dep_id=dep.pk), {"body": "hi"}).status_code == status
    board = text(page_as("viewer").get(urls.page("dependencies")))
    assert "dep-card__state-form" not in board and "Comment on" not in board


def test_a_refused_write_answers_with_the_access_policys_words(world, charlie, page_as, htmx, urls, api_as):
    # given Alpha needs something from Bravo; a viewer and a member of Charlie (not part of it)
    dep = dependency(world)
    outsider_member = UserFactory(username="carla")
    MembershipFactory(user=outsider_member, train=world.train, role=Membership.Role.MEMBER, team=charlie)
    for who, words in (
        ("viewer", "As Viewer you may only read this train."),
        (outsider_member, "As Team member you may not change a dependency your team is not part of."),
    ):
        # when they post to the card from the page (htmx: the words go to the toast as they are)
        page_as(who)
        for name, data in (
            ("dependency_state", {"state": "committed"}),
            ("dependency_comment", {"body": "hi"}),
        ):
            refused = htmx.post(urls.page(name, dep_id=dep.pk), data)
            assert (refused.status_code, refused.content.decode().strip()) == (403, words), name
        # without JavaScript the error page says the same
        assert words in text(
            page_as(who).post(urls.page("dependency_state", dep_id=dep.pk), {"state": "committed"})
        )
        # and so does the API
        response = api_as(who).patch(f"/api/v1/dependencies/{dep.pk}/", {"owner": "Me"}, format="json")
        assert (response.status_code, response.json()) == (403, {"detail": words})
    dep.refresh_from_db()
    assert (dep.state, dep.owner, dep.comments.count()) == ("requested", "", 0)


def test_comment_and_edit_in_place(world, page_as, htmx, urls):
    dep = dependency(world)
    page_as("member")
    response = htmx.post(urls.page("dependency_comment", dep_id=dep.pk), {"body": "Can you do I2?"})
    assert response.status_code == 200 and "Can you do I2?" in response.content.decode()
    assert DependencyComment.objects.get().author == world.member
    form = htmx.get(urls.page("dependency", dep_id=dep.pk) + "?edit=1").content.decode()
    assert 'name="owner"' in form and 'name="initial-owner"' in form
    saved = htmx.post(
        urls.page("dependency_update", dep_id=dep.pk),
        {
            "title": dep.title,
            "initial-title": dep.title,
            "owner": "Ana",
            "initial-owner": "",
            "needed_by": dep.needed_by_id,
            "initial-needed_by": dep.needed_by_id,
            "version": 1,
        },
    )
    assert saved.status_code == 200 and "Ana" in saved.content.decode()
    dep.refresh_from_db()
    assert (dep.owner, dep.version) == ("Ana", 2)
    history = text(htmx.get(urls.page("dependency", dep_id=dep.pk)))
    assert re.search(r"Owner.*?—.*?Ana", history)


def test_create_from_the_form(world, page_as, htmx, urls):
    page_as("member")
    its = iterations(world.pi)
    response = htmx.post(
        urls.page("dependency_create"),
        {
            "title": "Sandbox",
            "requester_team": world.team.pk,
            "provider_team": world.other_team.pk,
            "needed_by": its[1].pk,
        },
        target="dependency-board",
    )
    assert response.status_code == 200
    assert (
        "Sandbox" in response.content.decode()
        and 'id="dependency-create-details"' in response.content.decode()
    )
    refused = htmx.post(
        urls.page("dependency_create"),
        {"title": "Nobody", "requester_team": world.team.pk, "needed_by": its[1].pk},
    )
    assert refused.status_code == 422
    assert refused.headers["HX-Retarget"] == "#dependency-create-details"
    assert "Provider_team or external_provider is required" in refused.content.decode()
    page_as("viewer")
    assert htmx.post(urls.page("dependency_create"), {"title": "x"}).status_code == 403


def test_views_group_by_provider_and_requester_and_filters_narrow(world, page_as, urls, charlie):
    dependency(world, title="from bravo")
    dependency(world, title="from charlie", provider=charlie)
    done = dependency(world, title="done one", provider=charlie)
    services.dependency_set_state(actor=world.rte, dependency=done, state="cancelled")
    page_as("viewer")
    by_provider = text(page_as("viewer").get(urls.page("dependencies")))
    assert re.search(r"Bravo</h2> ?<span[^>]*>What others need from us.*?from bravo", by_provider)
    assert re.search(r"Charlie</h2>.*?from charlie", by_provider)
    assert "done one" not in by_provider and "1 delivered or cancelled hidden" in by_provider
    by_requester = text(page_as("viewer").get(urls.page("dependencies") + "?view=requester"))
    assert re.search(r"Alpha</h2> ?<span[^>]*>What we need from others", by_requester)
    with_done = text(page_as("viewer").get(urls.page("dependencies") + "?done=1"))
    assert "done one" in with_done
    bravo_only = text(page_as("viewer").get(urls.page("dependencies") + f"?team={world.other_team.pk}"))
    assert "from bravo" in bravo_only and "from charlie" not in bravo_only
    red = text(page_as("viewer").get(urls.page("dependencies") + "?health=red&state=requested"))
    assert "from bravo" in red
    assert "No dependency matches these filters" in text(
        page_as("viewer").get(urls.page("dependencies") + "?health=green")
    )


def test_the_board_fragment_for_htmx(world, page_as, htmx, urls):
    dependency(world, title="card")
    page_as("viewer")
    fragment = htmx.get(urls.page("dependencies") + "?view=requester", target="dependency-board")
    body = fragment.content.decode()
    assert body.lstrip().startswith('<div id="dependency-board"') and "<html" not in body


def test_each_side_is_offered_only_its_own_moves_and_fields(world, page_as, htmx, urls):
    # given Alpha needs something from Bravo
    dep = dependency(world, needed=3)

    def card(role):
        board = text(page_as(role).get(urls.page("dependencies")))
        return board[board.index(f'id="dep-{dep.pk}"') :].split("</article>")[0]

    def states(html):
        return re.findall(r'<option value="(\w+)"', html[: html.index("</select>")])

    # when the requesting team opens the card, then it may cancel, not commit
    requester = card("member")
    assert states(requester) == ["requested", "cancelled"]
    assert 'name="committed_iteration" id=' not in requester
    # and the providing team may commit (with an iteration) or block, not cancel
    provider = card("other_member")
    assert states(provider) == ["requested", "committed", "blocked"]
    assert f'id="dep-{dep.pk}-iteration"' in provider
    # and the edit form disables the other side's fields
    page_as("other_member")
    form = text(htmx.get(urls.page("dependency", dep_id=dep.pk) + "?edit=1", target=f"dep-{dep.pk}"))
    assert re.search(r'<select[^>]*name="needed_by"[^>]*disabled', form)
    assert not re.search(r'<select[^>]*name="committed_iteration"[^>]*disabled', form)
