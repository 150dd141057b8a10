"""Every rule that decides whether a write may happen lives in one service (or the one access
policy it asks), which the page and the API both call: so for each rule, the API refuses exactly
what the page refuses, in the same words, and nothing changes.

A refusal of who may do it is 403 on both faces; a broken rule of the data is 422 on the page
and 400 in the API (docs/architecture.md, "How errors reach a person").
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from art.models import Feature, ProgramIncrement
from pi_planning import services
from pi_planning.models import Dependency, Objective, Risk, Vote
from tests.art.factories import PIFactory
from tests.pi_planning.factories import ObjectiveFactory
from tests.pi_planning.helpers import feature, iterations, story

pytestmark = pytest.mark.django_db

#: A refused page answers 403 or 422; the API 403 or 400 for the same refusal.
API_STATUS = {403: 403, 422: 400}


@dataclass
class Case:
    """One refused write, tried on both faces by the same person."""

    role: str
    page: Callable[[Any], Any]  # the htmx client -> response
    api: Callable[[APIClient], Any]  # the API client -> response
    status: int  # the page's status
    words: str  # the rule, as both faces say it
    unchanged: Callable[[], Any]  # what must not change (read before and after)


def page_text(response) -> str:
    """The page's words (a page starts a sentence with a capital: compared in lower case)."""
    return html.unescape(response.content.decode()).lower()


def api_text(response) -> str:
    body = response.json()
    return " ".join(str(v) for v in (body.values() if isinstance(body, dict) else body)).lower()


def pi_url(world, name: str, pi=None, **kwargs) -> str:
    pi = pi or world.pi
    return reverse(f"pi_planning:{name}", kwargs={"slug": world.train.slug, "pi_id": pi.pk, **kwargs})


def board_move(world, card, team, iteration, pi=None):
    kind = "feature" if isinstance(card, Feature) else "story"
    data = {"kind": kind, "card": card.pk, "version": card.version, "team": team.pk}
    return (
        lambda htmx: htmx.post(
            pi_url(world, "board_move", pi), {**data, "iteration": iteration.pk if iteration else ""}
        ),
        lambda api: api.post(
            f"/api/v1/pis/{(pi or world.pi).pk}/board/moves/",
            {**data, "iteration": iteration.pk if iteration else None},
            format="json",
        ),
    )


def placement(card) -> Callable[[], tuple]:
    model = type(card)
    return lambda: model.objects.filter(pk=card.pk).values_list("team_id", "iteration_id", "version").get()


# --- the cases, one per rule ---------------------------------------------------------------------


def case_board_other_pi(world) -> Case:
    """The board of a PI moves only its own cards: a story of the next PI is refused."""
    later = PIFactory(train=world.train, name="PI 26.2", start_date=dt.date(2026, 3, 16))
    its = iterations(later)
    card = story(world, feature=feature(world, pi=later, iteration=its[0]), iteration=its[0], title="Next")
    page, api = board_move(world, card, world.team, iterations(world.pi)[0])
    return Case("rte", page, api, 422, "not to PI 26.1: move it on PI 26.2's board", placement(card))


def case_board_closed_pi(world) -> Case:
    """Nothing of a closed PI moves, even on its own board."""
    closed = PIFactory(
        train=world.train, name="PI 25.4", start_date=dt.date(2025, 9, 1), state=ProgramIncrement.State.CLOSED
    )
    its = iterations(closed)
    card = feature(world, pi=closed, iteration=its[0], state=Feature.State.DONE, title="Shipped")
    page, api = board_move(world, card, world.other_team, its[1], pi=closed)
    return Case("rte", page, api, 422, "PI 25.4, which is closed: its plan is history", placement(card))


def case_board_features_are_the_backlogs(world) -> Case:
    """Features are placed by product management and the RTE, not by a team member."""
    card = feature(world, iteration=iterations(world.pi)[0])
    page, api = board_move(world, card, world.team, iterations(world.pi)[1])
    return Case("member", page, api, 403, "is not yours to move", placement(card))


def case_board_story_to_another_team(world) -> Case:
    """A team moves its stories; moving one into another team's row needs that team's seat."""
    card = story(world, team=world.team, iteration=iterations(world.pi)[0])
    page, api = board_move(world, card, world.other_team, iterations(world.pi)[0])
    return Case("member", page, api, 403, "is not yours to move", placement(card))


def _dependency(world) -> Dependency:
    """Alpha (the member's team) needs something from Bravo (the other member's) by iteration 3."""
    return services.dependency_create(
        actor=world.rte,
        pi=world.pi,
        requester_team=world.team,
        provider_team=world.other_team,
        needed_by=iterations(world.pi)[2],
        title="Card API",
    )


def _dependency_state(world, dep: Dependency, state: str) -> tuple[Callable, Callable]:
    return (
        lambda htmx: htmx.post(
            pi_url(world, "dependency_state", dep_id=dep.pk), {"state": state, "version": 1}
        ),
        lambda api: api.post(
            f"/api/v1/dependencies/{dep.pk}/state/", {"state": state, "version": 1}, format="json"
        ),
    )


def _dependency_row(dep: Dependency) -> Callable[[], tuple]:
    return lambda: (
        Dependency.objects.filter(pk=dep.pk).values_list("state", "committed_iteration", "version").get()
    )


def case_dependency_commit_is_the_providers(world) -> Case:
    dep = _dependency(world)
    page, api = _dependency_state(world, dep, "committed")
    return Case(
        "member", page, api, 403, "Committing to it belongs to the providing team", _dependency_row(dep)
    )


def case_dependency_cancel_is_the_requesters(world) -> Case:
    dep = _dependency(world)
    page, api = _dependency_state(world, dep, "cancelled")
    return Case(
        "other_member", page, api, 403, "Cancelling it belongs to the requesting team", _dependency_row(dep)
    )


def case_dependency_lifecycle(world) -> Case:
    dep = _dependency(world)
    page, api = _dependency_state(world, dep, "delivered")
    return Case(
        "other_member",
        page,
        api,
        422,
        "a requested dependency cannot move to delivered",
        _dependency_row(dep),
    )


def _risk(world, team) -> Risk:
    return services.risk_create(
        actor=world.rte, train=world.train, pi=world.pi, team=team, title="Vendor late"
    )


def _risk_move(world, risk: Risk, roam: str) -> tuple[Callable, Callable]:
    return (
        lambda htmx: htmx.post(pi_url(world, "risk_move", risk_id=risk.pk), {"roam": roam, "version": 1}),
        lambda api: api.patch(f"/api/v1/risks/{risk.pk}/", {"roam": roam, "version": 1}, format="json"),
    )


def _risk_row(risk: Risk) -> Callable[[], tuple]:
    return lambda: Risk.objects.filter(pk=risk.pk).values_list("roam", "owner", "version").get()


def case_roam_mitigated_needs_an_owner(world) -> Case:
    risk = _risk(world, world.team)
    page, api = _risk_move(world, risk, "mitigated")
    return Case("member", page, api, 422, "Mitigated needs an owner", _risk_row(risk))


def case_roam_unroamed_is_never_back(world) -> Case:
    risk = services.risk_roam(actor=world.rte, risk=_risk(world, None), roam="accepted")
    return Case(
        "member",
        lambda htmx: htmx.post(
            pi_url(world, "risk_move", risk_id=risk.pk), {"roam": "unroamed", "version": 2}
        ),
        lambda api: api.patch(f"/api/v1/risks/{risk.pk}/", {"roam": "unroamed", "version": 2}, format="json"),
        422,
        "a risk cannot go back to Un-ROAMed",
        _risk_row(risk),
    )


def case_risk_of_another_team(world) -> Case:
    risk = _risk(world, world.team)
    page, api = _risk_move(world, risk, "accepted")
    return Case("other_member", page, api, 403, "own team or of no team", _risk_row(risk))


def case_vote_in_another_teams_plan(world) -> Case:
    services.vote_round_open(actor=world.rte, pi=world.pi, team=world.other_team)
    return Case(
        "member",
        lambda htmx: htmx.post(pi_url(world, "vote_cast"), {"scope": world.other_team.pk, "score": 4}),
        lambda api: api.post(
            "/api/v1/votes/", {"pi": world.pi.pk, "team": world.other_team.pk, "score": 4}, format="json"
        ),
        403,
        "Each team votes on its own plan: you are not a member of Bravo.",
        lambda: Vote.objects.filter(pi=world.pi).count(),
    )


def case_vote_only_while_open(world) -> Case:
    return Case(
        "member",
        lambda htmx: htmx.post(pi_url(world, "vote_cast"), {"scope": world.team.pk, "score": 4}),
        lambda api: api.post(
            "/api/v1/votes/", {"pi": world.pi.pk, "team": world.team.pk, "score": 4}, format="json"
        ),
        422,
        "Alpha's vote is not open: the RTE opens it",
        lambda: Vote.objects.filter(pi=world.pi).count(),
    )


def case_business_value_is_the_business_owners(world) -> Case:
    objective = ObjectiveFactory(pi=world.pi, team=world.team, planned_bv=5)
    return Case(
        "member",
        lambda htmx: htmx.post(
            pi_url(world, "objective_update", objective_id=objective.pk), {"planned_bv": 10, "version": 1}
        ),
        lambda api: api.patch(
            f"/api/v1/objectives/{objective.pk}/", {"planned_bv": 10, "version": 1}, format="json"
        ),
        403,
        "may not set business value (business owners)",
        lambda: Objective.objects.filter(pk=objective.pk).values_list("planned_bv", "version").get(),
    )


CASES = [
    case_board_other_pi,
    case_board_closed_pi,
    case_board_features_are_the_backlogs,
    case_board_story_to_another_team,
    case_dependency_commit_is_the_providers,
    case_dependency_cancel_is_the_requesters,
    case_dependency_lifecycle,
    case_roam_mitigated_needs_an_owner,
    case_roam_unroamed_is_never_back,
    case_risk_of_another_team,
    case_vote_in_another_teams_plan,
    case_vote_only_while_open,
    case_business_value_is_the_business_owners,
]


@pytest.mark.parametrize("make", CASES, ids=[c.__name__.removeprefix("case_") for c in CASES])
def test_the_api_refuses_exactly_what_the_page_refuses(world, client, htmx, make):
    # given a write that a rule refuses, and what it would change
    case = make(world)
    user = world.user(case.role)
    before = case.unchanged()
    # when the person tries it on the page
    client.force_login(user)
    page = case.page(htmx)
    # then the page refuses it with the rule's words, and nothing changed
    assert page.status_code == case.status, page_text(page)[:2000]
    assert case.words.lower() in page_text(page), page_text(page)[:2000]
    assert case.unchanged() == before
    # and when they try it through the API
    api = APIClient()
    api.force_login(user)
    response = case.api(api)
    # then the API refuses it too, with the same words, and nothing changed
    assert response.status_code == API_STATUS[case.status], response.content
    assert case.words.lower() in api_text(response), response.content
    assert case.unchanged() == before
