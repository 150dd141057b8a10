"""Every page renders in full and as its htmx fragment."""

import datetime as dt

import pytest
from django.urls import reverse

from art import services
from art.models import ApiToken
from tests.art.factories import MilestoneFactory, TeamMemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_sign_in_page_renders_the_form(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="username"' in body and 'name="password"' in body
    assert "Skip to content" in body


def test_pages_need_a_signed_in_user(client, world):
    for url in [
        reverse("art:my_trains"),
        reverse("art:train", kwargs={"slug": "payments"}),
        reverse("art:tokens"),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_signing_in_through_the_form_leads_to_my_trains(client, world, password):
    response = client.post(reverse("login"), {"username": "rte", "password": password})
    assert response.status_code == 302
    assert response["Location"] == reverse("art:my_trains")


def test_sign_out_is_a_post(client, world):
    client.force_login(world.rte)
    page = client.get(reverse("art:my_trains")).content.decode()
    assert f'action="{reverse("logout")}"' in page and 'method="post"' in page
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("art:my_trains")).status_code == 302


def test_my_trains_shows_each_train_with_role_counts_and_current_pi(as_user, world, htmx):
    client = as_user("member")
    response = client.get(reverse("art:my_trains"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Payments ART" in body
    assert "Team member" in body
    assert "PI 26.1" in body
    assert "Elsewhere ART" not in body
    assert "<html" in body

    fragment = htmx.get(reverse("art:my_trains"), target="trains")
    assert fragment.status_code == 200
    assert "<html" not in fragment.content.decode()
    assert 'id="trains"' in fragment.content.decode()


def test_my_trains_empty_state_asks_for_an_invitation(client):
    client.force_login(UserFactory(username="newcomer"))
    body = client.get(reverse("art:my_trains")).content.decode()
    assert "ask your Release Train Engineer (RTE)" in body.replace("Ask", "ask")
    assert "Create a train" not in body


def test_my_trains_empty_state_offers_superusers_to_create_a_train(client):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    body = client.get(reverse("art:my_trains")).content.decode()
    assert "Create a train" in body
    response = client.post(
        reverse("art:train_create"), {"name": "Logistics ART", "time_zone": "Europe/Berlin"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("art:train", kwargs={"slug": "logistics-art"})


def test_only_superusers_create_trains(as_user, world):
    response = as_user("rte").post(reverse("art:train_create"), {"name": "Sneaky ART", "time_zone": "UTC"})
    assert response.status_code == 403


def test_train_page_shows_pis_teams_and_people(as_user, world, htmx):
    url = reverse("art:train", kwargs={"slug": world.train.slug})
    response = as_user("viewer").get(url)
    assert response.status_code == 200
    body = response.content.decode()
    for text in ["PI 26.1", "Alpha", "Bravo", "Release Train Engineer", "Business owner", "Viewer"]:
        assert text in body
    assert 'aria-current="page"' in body  # the train navigation marks where we are
    assert 'hx-headers=\'{"X-CSRFToken":' in body

    for target in ["pis", "teams", "people"]:
        fragment = htmx.get(url, target=target)
        assert fragment.status_code == 200
        content = fragment.content.decode()
        assert f'id="{target}"' in content and "<html" not in content


def test_train_page_offers_the_row_form_for_editing_a_team(as_user, world, htmx):
    url = reverse("art:train", kwargs={"slug": world.train.slug})
    as_user("rte")
    fragment = htmx.get(f"{url}?edit_team={world.team.pk}", target="teams").content.decode()
    assert reverse("art:team_update", kwargs={"slug": world.train.slug, "team_id": world.team.pk}) in fragment
    assert 'value="Alpha"' in fragment


def test_pi_page_shows_iterations_workdays_ip_and_milestones(as_user, world, htmx):
    MilestoneFactory(pi=world.pi, name="Beta release", date=dt.date(2026, 1, 28))
    url = reverse("art:pi", kwargs={"slug": world.train.slug, "pi_id": world.pi.pk})
    response = as_user("viewer").get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Iteration 1" in body and "Innovation &amp; Planning" in body
    assert "Beta release" in body
    assert body.count(">10</td>") >= 5  # every two-week iteration has 10 workdays

    for target in ["pi-details", "schedule"]:
        fragment = htmx.get(url, target=target)
        assert fragment.status_code == 200
        assert f'id="{target}"' in fragment.content.decode()
        assert "<html" not in fragment.content.decode()


def test_pi_of_another_train_is_not_found(as_user, world):
    other = services.pi_create(
        actor=world.outsider,
        train=world.outsider.memberships.get().train,
        name="Other PI",
        start_date=dt.date(2026, 1, 5),
    )
    url = reverse("art:pi", kwargs={"slug": world.train.slug, "pi_id": other.pk})
    assert as_user("rte").get(url).status_code == 404


def test_team_page_lists_the_team_people(as_user, world, htmx):
    TeamMemberFactory(team=world.team, name="Mia Müller", role="tester")
    url = reverse("art:team", kwargs={"slug": world.train.slug, "team_id": world.team.pk})
    response = as_user("viewer").get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Mia Müller" in body and "Tester" in body and "1.00" in body
    fragment = htmx.get(url, target="team-people")
    assert fragment.status_code == 200
    assert 'id="team-people"' in fragment.content.decode()
    assert "<html" not in fragment.content.decode()


def test_tokens_page_lists_only_my_tokens(as_user, world, htmx):
    services.api_token_create(user=world.rte, name="Jira sync")
    services.api_token_create(user=world.viewer, name="Someone else's")
    response = as_user("rte").get(reverse("art:tokens"))
    body = response.content.decode()
    assert "Jira sync" in body and "Someone else" not in body
    fragment = htmx.get(reverse("art:tokens"), target="tokens")
    assert 'id="tokens"' in fragment.content.decode() and "<html" not in fragment.content.decode()


def test_creating_a_token_shows_the_key_once(as_user, world, htmx):
    as_user("rte")
    response = htmx.post(reverse("art:token_create"), {"name": "CI"}, target="tokens")
    assert response.status_code == 200
    token = ApiToken.objects.get(user=world.rte, name="CI")
    body = response.content.decode()
    assert f'value="{token.prefix}' in body  # the full key, in the copy field
    assert "will not be shown again" in body
    again = htmx.get(reverse("art:tokens"), target="tokens").content.decode()
    assert "will not be shown again" not in again


def test_revoking_a_token(as_user, world, htmx):
    token, _ = services.api_token_create(user=world.rte, name="Old")
    as_user("rte")
    response = htmx.post(reverse("art:token_revoke", kwargs={"token_id": token.pk}), target="tokens")
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "Revoked" in response.content.decode()
    assert "toast" in response["HX-Trigger"]


def test_nobody_revokes_another_persons_token(as_user, world):
    token, _ = services.api_token_create(user=world.viewer, name="Mine")
    response = as_user("rte").post(reverse("art:token_revoke", kwargs={"token_id": token.pk}))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize("status", [400, 403, 404, 500])
def test_error_pages_look_like_the_product(client, status):
    from django.template.loader import render_to_string

    html = render_to_string(
        f"{status}.html", {"exception": "As Viewer you may not manage the train (RTE only)."}
    )
    assert "Railyard" in html and f"Error {status}" in html
    assert "app.css" in html


def test_403_names_the_rule_and_is_plain_text_for_htmx(as_user, world, htmx):
    url = reverse("art:team_create", kwargs={"slug": world.train.slug})
    page = as_user("viewer").post(url, {"name": "Zulu", "kind": "platform"})
    assert page.status_code == 403
    assert "As Viewer you may only read this train." in page.content.decode()
    fragment = htmx.post(url, {"name": "Zulu", "kind": "platform"})
    assert fragment.status_code == 403
    assert fragment.content.decode().strip() == "As Viewer you may only read this train."
    member = as_user("member").post(url, {"name": "Zulu", "kind": "platform"})
    assert "As Team member you may not manage the train (RTE only)." in member.content.decode()


def test_404_page_for_an_unknown_train(as_user, world):
    response = as_user("rte").get(reverse("art:train", kwargs={"slug": "no-such-train"}))
    assert response.status_code == 404
    assert "This page is not here" in response.content.decode()
