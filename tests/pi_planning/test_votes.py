"""The confidence vote: results at the 3.0 boundary through the API, anonymity, re-voting,
the RTE's control (open, live count, reveal, concern to risk) and the phone page."""

import re

import pytest

from art.models import Membership
from pi_planning import services
from pi_planning.models import Risk, Vote, VoteRound
from tests.art.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def voters(world, n):
    """n more people who vote (team members of Alpha)."""
    people = []
    for i in range(n):
        user = UserFactory(username=f"voter{i}")
        MembershipFactory(user=user, train=world.train, role=Membership.Role.MEMBER, team=world.team)
        people.append(user)
    return people


def cast_all(world, api_as, scores, team=None):
    """Each score cast through the API by its own voter, in the scope (team id or None)."""
    for user, score in zip(voters(world, len(scores)), scores, strict=True):
        response = api_as(user).post(
            "/api/v1/votes/", {"pi": world.pi.pk, "team": team, "score": score}, format="json"
        )
        assert response.status_code == 201, response.content


def scope(api, world, team=None):
    rows = api.get(f"/api/v1/pis/{world.pi.pk}/confidence/").json()
    return next(r for r in rows if r["team"] == team)


@pytest.mark.parametrize(
    "scores, average, result, concerns",
    [
        ([3, 3, 3], 3.0, "accepted", 0),  # exactly 3: accepted
        ([4, 2, 3, 3], 3.0, "accepted", 1),  # 12 / 4 = 3.0
        ([1, 5], 3.0, "accepted", 1),  # 6 / 2 = 3.0, and the 1 is a concern to hear
        ([3, 3, 2], 2.67, "rework", 1),  # 8 / 3 = 2.666…: below 3
        ([2, 3, 3, 3, 3, 3, 3, 3, 3], 2.89, "rework", 1),  # 26 / 9 = 2.888…
        ([5, 4, 3, 3, 2, 4], 3.5, "accepted", 1),  # domain.md's example
        ([1, 2, 2], 1.67, "rework", 3),
    ],
)
def test_confidence_results_at_the_boundary(world, api_as, scores, average, result, concerns):
    # given the RTE opened the train's vote and everyone voted
    rte = api_as("rte")
    assert (
        rte.post(f"/api/v1/pis/{world.pi.pk}/confidence/open/", {"team": None}, format="json").status_code
        == 200
    )
    cast_all(world, api_as, scores)
    # while open: the live count only
    open_scope = scope(rte, world)
    assert open_scope == {
        "team": None,
        "name": "Whole train",
        "state": "open",
        "votes": len(scores),
        "average": None,
        "result": None,
        "concerns": None,
        "distribution": None,
    }
    # when revealed: average, result, concerns and distribution
    revealed = rte.post(f"/api/v1/pis/{world.pi.pk}/confidence/reveal/", {"team": None}, format="json").json()
    assert (revealed["votes"], revealed["average"], revealed["result"], revealed["concerns"]) == (
        len(scores),
        average,
        result,
        concerns,
    )
    assert revealed["distribution"] == {str(n): scores.count(n) for n in range(1, 6)}
    assert scope(api_as("viewer"), world) == revealed


def test_every_team_and_the_train_are_listed(world, api_as):
    rows = api_as("viewer").get(f"/api/v1/pis/{world.pi.pk}/confidence/").json()
    assert [(r["team"], r["state"], r["votes"]) for r in rows] == [
        (None, "not_opened", 0),
        (world.team.pk, "not_opened", 0),
        (world.other_team.pk, "not_opened", 0),
    ]


def test_revoting_replaces_and_votes_are_anonymous(world, api_as):
    services.vote_round_open(actor=world.rte, pi=world.pi, team=world.team)
    (teammate,) = voters(world, 1)
    member, other = api_as("member"), api_as(teammate)
    body = {"pi": world.pi.pk, "team": world.team.pk, "score": 2, "concern": "Too much in iteration 2"}
    assert member.post("/api/v1/votes/", body, format="json").status_code == 201
    replaced = member.post("/api/v1/votes/", {**body, "score": 4, "concern": ""}, format="json")
    assert replaced.status_code == 200 and replaced.json()["score"] == 4
    assert other.post("/api/v1/votes/", {**body, "score": 5}, format="json").status_code == 201
    assert Vote.objects.filter(pi=world.pi, team=world.team).count() == 2
    # Each sees only their own vote; nothing names a voter.
    mine = member.get(f"/api/v1/votes/?pi={world.pi.pk}").json()["results"]
    assert [(v["score"], v["team"]) for v in mine] == [(4, world.team.pk)]
    assert "user" not in mine[0]
    assert api_as("rte").get("/api/v1/votes/").json()["count"] == 0
    other_vote = Vote.objects.get(user=teammate)
    assert member.get(f"/api/v1/votes/{other_vote.pk}/").status_code == 404


OWN_PLAN = "Each team votes on its own plan: you are not a member of {}."


@pytest.mark.parametrize(
    "role, scope, allowed",
    [
        ("member", "own team", True),
        ("member", "other team", False),
        ("member", "train", True),
        ("business_owner", "own team", False),  # a business owner has no team: Alpha's plan is not theirs
        ("business_owner", "train", True),
        ("rte", "own team", False),  # the RTE runs the vote; teams vote on their own plans
        ("rte", "train", True),
    ],
)
def test_each_team_votes_on_its_own_plan_then_the_train_on_the_trains(world, api_as, role, scope, allowed):
    # given every scope's vote is open
    for team in (None, world.team, world.other_team):
        services.vote_round_open(actor=world.rte, pi=world.pi, team=team)
    team = {"own team": world.team, "other team": world.other_team, "train": None}[scope]
    # when the person votes in it through the API
    response = api_as(role).post(
        "/api/v1/votes/", {"pi": world.pi.pk, "team": team.pk if team else None, "score": 4}, format="json"
    )
    # then their own team's and the train's are theirs; another team's plan is refused with the rule
    if allowed:
        assert response.status_code == 201, response.content
    else:
        assert response.status_code == 403
        assert response.json() == {"detail": OWN_PLAN.format(team.name)}
    assert Vote.objects.filter(pi=world.pi, team=team).count() == (1 if allowed else 0)


def test_the_vote_page_offers_only_the_scopes_the_person_votes_in(world, page_as, htmx, urls):
    for team in (None, world.team, world.other_team):
        services.vote_round_open(actor=world.rte, pi=world.pi, team=team)
    # A member of Alpha: Alpha's plan first, then the train's; never Bravo's.
    page = page_as("member").get(urls.page("vote")).content.decode()
    assert page.index(f'id="vote-{world.team.pk}"') < page.index('id="vote-train"')
    assert f'id="vote-{world.other_team.pk}"' not in page and "Bravo’s plan" not in page
    assert page.count('name="score"') == 10
    # A business owner: the train's only.
    page = page_as("business_owner").get(urls.page("vote")).content.decode()
    assert 'id="vote-train"' in page and page.count('name="score"') == 5
    assert "Alpha’s plan" not in page and "Bravo’s plan" not in page
    # Posting to another team's vote anyway is refused (403) with the rule's words, and nothing is cast.
    page_as("member")
    refused = htmx.post(urls.page("vote_cast"), {"scope": world.other_team.pk, "score": 1})
    assert refused.status_code == 403
    assert "Each team votes on its own plan: you are not a member of Bravo." in refused.content.decode()
    without_js = page_as("member").post(urls.page("vote_cast"), {"scope": world.other_team.pk, "score": 1})
    assert without_js.status_code == 403 and "you are not a member of Bravo" in without_js.content.decode()
    page_as("business_owner")
    refused = htmx.post(urls.page("vote_cast"), {"scope": world.team.pk, "score": 3})
    assert refused.status_code == 403 and "you are not a member of Alpha" in refused.content.decode()
    assert not Vote.objects.exists()
    # Their own scopes are theirs.
    assert htmx.post(urls.page("vote_cast"), {"scope": "train", "score": 3}).status_code == 200
    page_as("member")
    assert htmx.post(urls.page("vote_cast"), {"scope": world.team.pk, "score": 4}).status_code == 200
    assert set(Vote.objects.values_list("team_id", "score")) == {(None, 3), (world.team.pk, 4)}


def test_a_member_whose_team_is_not_voting_waits_and_is_told_who_is(world, page_as, urls):
    services.vote_round_open(actor=world.rte, pi=world.pi, team=world.other_team)
    page = re.sub(r"\s+", " ", page_as("member").get(urls.page("vote")).content.decode())
    assert "No vote is open for you right now" in page and 'hx-trigger="every 4s"' in page
    assert "Each team votes on its own plan: Bravo is voting now." in page
    assert 'name="score"' not in page


def test_the_rte_sees_every_teams_live_count(world, page_as, urls):
    for team in (None, world.team, world.other_team):
        services.vote_round_open(actor=world.rte, pi=world.pi, team=team)
    services.vote_cast(actor=world.member, pi=world.pi, team=world.team, score=4)
    services.vote_cast(actor=world.other_member, pi=world.pi, team=world.other_team, score=2)
    services.vote_cast(actor=world.other_member, pi=world.pi, team=None, score=3)
    services.vote_cast(actor=world.business_owner, pi=world.pi, team=None, score=5)
    page = re.sub(r"\s+", " ", page_as("rte").get(urls.page("confidence")).content.decode())
    for key, votes in (("train", 2), (world.team.pk, 1), (world.other_team.pk, 1)):
        assert re.search(rf'id="scope-{key}-count".*?<strong[^>]*>{votes}</strong> votes? so far', page), key


def test_votes_only_while_open_and_only_by_voters(world, api_as):
    body = {"pi": world.pi.pk, "team": None, "score": 4}
    refused = api_as("member").post("/api/v1/votes/", body, format="json")
    assert refused.status_code == 400
    assert refused.json() == {"team": ["the train's vote is not open: the RTE opens it"]}
    services.vote_round_open(actor=world.rte, pi=world.pi)
    assert api_as("member").post("/api/v1/votes/", {**body, "score": 6}, format="json").json() == {
        "score": ["score must be a whole number between 1 and 5"]
    }
    for role in ("business_owner", "member", "rte"):
        assert api_as(role).post("/api/v1/votes/", body, format="json").status_code == 201, role
    for role, status in (("viewer", 403), ("product", 403), ("outsider", 400), (None, 401)):
        assert api_as(role).post("/api/v1/votes/", body, format="json").status_code == status, role
    assert api_as("outsider").get(f"/api/v1/pis/{world.pi.pk}/confidence/").status_code == 404
    assert api_as(None).get(f"/api/v1/pis/{world.pi.pk}/confidence/").status_code == 401


def test_only_the_rte_opens_and_reveals(world, api_as):
    for role in ("business_owner", "member", "viewer"):
        response = api_as(role).post(f"/api/v1/pis/{world.pi.pk}/confidence/open/", {}, format="json")
        assert response.status_code == 403, role
    assert (
        api_as("outsider").post(f"/api/v1/pis/{world.pi.pk}/confidence/open/", {}, format="json").status_code
        == 404
    )
    unknown = api_as("rte").post(f"/api/v1/pis/{world.pi.pk}/confidence/reveal/", {}, format="json")
    assert unknown.status_code == 400 and unknown.json() == {"team": ["this vote has not been opened"]}


def test_the_rte_records_a_concern_as_a_risk(world, api_as):
    services.vote_round_open(actor=world.rte, pi=world.pi, team=world.team)
    vote = services.vote_cast(
        actor=world.member, pi=world.pi, team=world.team, score=1, concern="No test env"
    )
    rte = api_as("rte")
    # Concerns are listed once the vote is revealed, without the voter.
    assert rte.get(f"/api/v1/pis/{world.pi.pk}/confidence/concerns/").json() == []
    services.vote_round_reveal(actor=world.rte, round_=VoteRound.objects.get(team=world.team))
    assert rte.get(f"/api/v1/pis/{world.pi.pk}/confidence/concerns/").json() == [
        {"id": vote.pk, "team": world.team.pk, "score": 1, "concern": "No test env", "risk": None}
    ]
    assert api_as("member").get(f"/api/v1/pis/{world.pi.pk}/confidence/concerns/").status_code == 403
    created = rte.post(f"/api/v1/pis/{world.pi.pk}/confidence/concerns/{vote.pk}/risk/")
    assert created.status_code == 201
    assert (created.json()["title"], created.json()["roam"], created.json()["source_vote"]) == (
        "No test env",
        "unroamed",
        vote.pk,
    )
    # Once only.
    assert (
        rte.post(f"/api/v1/pis/{world.pi.pk}/confidence/concerns/{vote.pk}/risk/").json()["id"]
        == created.json()["id"]
    )
    assert Risk.objects.count() == 1


# --- pages ------------------------------------------------------------------------------------


def test_the_rte_opens_sees_the_live_count_and_reveals(world, page_as, htmx, urls):
    page_as("rte")
    opened = htmx.post(urls.page("vote_round_open", scope="train"), target="scope-train")
    assert opened.status_code == 200
    body = opened.content.decode()
    assert 'id="scope-train"' in body and "Reveal" in body and 'hx-trigger="every 5s"' in body
    services.vote_cast(actor=world.member, pi=world.pi, team=None, score=2, concern="Scope too big")
    services.vote_cast(actor=world.business_owner, pi=world.pi, team=None, score=4)
    count = htmx.get(urls.page("confidence_scope", scope="train") + "?part=count")
    assert re.search(
        r'id="scope-train-count"[^>]*hx-trigger="every 5s".*?<strong[^>]*>2</strong> votes so far',
        count.content.decode(),
        re.S,
    )
    # Hidden until revealed: no average, no distribution, no concern.
    assert "Scope too big" not in htmx.get(urls.page("confidence_scope", scope="train")).content.decode()
    revealed = htmx.post(urls.page("vote_round_reveal", scope="train"), target="scope-train").content.decode()
    assert "Accepted" in revealed and "3.00" in revealed and "“Scope too big”" in revealed
    assert "Record as risk" in revealed and 'hx-trigger="every 5s"' not in revealed
    assert world.member.username not in revealed and world.member.get_full_name() not in revealed


def test_only_the_rte_controls_the_vote_but_everyone_sees_it(world, page_as, htmx, urls):
    services.vote_round_open(actor=world.rte, pi=world.pi)
    page = page_as("viewer").get(urls.page("confidence")).content.decode()
    assert "Open the vote" not in page and "Reveal" not in page and "1 vote" not in page
    for role in ("viewer", "member", "business_owner"):
        page_as(role)
        assert htmx.post(urls.page("vote_round_open", scope="train")).status_code == 403
        assert htmx.post(urls.page("vote_round_reveal", scope="train")).status_code == 403
    page_as("outsider")
    assert htmx.get(urls.page("confidence")).status_code == 404


def test_a_concern_becomes_a_risk_with_one_click(world, page_as, htmx, urls):
    services.vote_round_open(actor=world.rte, pi=world.pi, team=world.team)
    vote = services.vote_cast(
        actor=world.member, pi=world.pi, team=world.team, score=1, concern="No test env"
    )
    services.vote_round_reveal(actor=world.rte, round_=VoteRound.objects.get(team=world.team))
    page_as("rte")
    response = htmx.post(urls.page("vote_concern_to_risk", vote_id=vote.pk), target=f"scope-{world.team.pk}")
    assert response.status_code == 200
    assert "Recorded as a risk" in response.content.decode()
    risk = Risk.objects.get(source_vote=vote)
    assert (risk.title, risk.roam, risk.pi, risk.team) == ("No test env", "unroamed", world.pi, world.team)
    page_as("member")
    assert htmx.post(urls.page("vote_concern_to_risk", vote_id=vote.pk)).status_code == 403


def test_the_phone_page_votes_and_asks_low_voters_for_their_concern(world, page_as, htmx, urls):
    page_as("member")
    waiting = htmx.get(urls.page("vote")).content.decode()
    assert "No vote is open for you right now" in waiting and 'hx-trigger="every 4s"' in waiting
    services.vote_round_open(actor=world.rte, pi=world.pi, team=world.team)
    page = htmx.get(urls.page("vote"), target="vote-scopes").content.decode()
    assert "Alpha’s plan" in page and page.count('name="score"') == 5
    voted = htmx.post(
        urls.page("vote_cast"), {"scope": world.team.pk, "score": 2}, target=f"vote-{world.team.pk}"
    )
    body = voted.content.decode()
    assert voted.status_code == 200
    assert re.search(r'value="2"[^>]*aria-pressed="true"', body)
    assert "What is your concern?" in body
    with_concern = htmx.post(
        urls.page("vote_cast"), {"scope": world.team.pk, "score": 2, "concern": "Too much WIP"}
    )
    assert "Update my concern" in with_concern.content.decode()
    assert Vote.objects.get(user=world.member).concern == "Too much WIP"
    # Voting 4 replaces the vote, and no concern is asked.
    four = htmx.post(urls.page("vote_cast"), {"scope": world.team.pk, "score": 4}).content.decode()
    assert "What is your concern?" not in four and "Your vote: <strong>4</strong>" in four
    assert Vote.objects.get(user=world.member).score == 4


def test_voting_in_a_closed_vote_is_refused_with_words(world, page_as, htmx, urls):
    page_as("member")
    response = htmx.post(urls.page("vote_cast"), {"scope": "train", "score": 3})
    assert response.status_code == 422  # never opened
    assert "The train&#x27;s vote is not open: the RTE opens it" in response.content.decode()
    services.vote_round_open(actor=world.rte, pi=world.pi)
    services.vote_round_reveal(actor=world.rte, round_=VoteRound.objects.get(team=None))
    response = htmx.post(urls.page("vote_cast"), {"scope": "train", "score": 3})
    assert response.status_code == 422
    assert "The train&#x27;s vote is not open: the RTE opens it" in response.content.decode()
    page_as("viewer")
    assert htmx.post(urls.page("vote_cast"), {"scope": "train", "score": 3}).status_code == 403
    assert "Your role does not vote" in page_as("viewer").get(urls.page("vote")).content.decode()


@pytest.mark.parametrize("role", ["viewer", "member", "business_owner", "product"])
def test_the_concern_texts_are_the_rtes_to_read(world, page_as, urls, role):
    # given a revealed vote with a concern
    services.vote_round_open(actor=world.rte, pi=world.pi, team=world.team)
    services.vote_cast(
        actor=world.member, pi=world.pi, team=world.team, score=2, concern="Nobody owns the API"
    )
    services.vote_round_reveal(actor=world.rte, round_=VoteRound.objects.get(team=world.team))
    # when anyone but the RTE opens the confidence page
    page = page_as(role).get(urls.page("confidence")).content.decode()
    # then they see that there is a concern, never what it says
    assert "1 concern to hear" in page and "Nobody owns the API" not in page
    assert "The RTE reads the concerns" in page
    # and the RTE reads it
    assert "Nobody owns the API" in page_as("rte").get(urls.page("confidence")).content.decode()
