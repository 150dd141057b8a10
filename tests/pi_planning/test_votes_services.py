"""Confidence-vote services: rounds, one vote per person and scope, concerns to risks."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from pi_planning import services
from pi_planning.models import Vote, VoteRound

pytestmark = pytest.mark.django_db


def test_votes_only_while_open_one_per_person_and_scope_revote_replaces(world):
    with pytest.raises(ValidationError) as info:
        services.vote_cast(actor=world.member, pi=world.pi, team=world.team, score=4)
    assert "not open" in info.value.message_dict["team"][0]
    round_ = services.vote_round_open(actor=world.rte, pi=world.pi, team=world.team)
    services.vote_cast(actor=world.member, pi=world.pi, team=world.team, score=2, concern="Test env")
    services.vote_cast(actor=world.member, pi=world.pi, team=world.team, score=4)
    assert list(Vote.objects.filter(pi=world.pi, team=world.team).values_list("score", flat=True)) == [4]
    services.vote_round_open(actor=world.rte, pi=world.pi)
    services.vote_cast(actor=world.member, pi=world.pi, team=None, score=3)
    assert Vote.objects.filter(user=world.member).count() == 2
    services.vote_round_reveal(actor=world.rte, round_=round_)
    with pytest.raises(ValidationError):
        services.vote_cast(actor=world.member, pi=world.pi, team=world.team, score=5)
    assert VoteRound.objects.get(pk=round_.pk).state == "revealed"


@pytest.mark.parametrize("score", [0, 6, "4", None, True])
def test_vote_score_must_be_1_to_5(world, score):
    services.vote_round_open(actor=world.rte, pi=world.pi)
    with pytest.raises(ValidationError) as info:
        services.vote_cast(actor=world.member, pi=world.pi, team=None, score=score)
    assert "between 1 and 5" in info.value.message_dict["score"][0]


def test_a_concern_becomes_an_unroamed_risk_once(world):
    services.vote_round_open(actor=world.rte, pi=world.pi, team=world.team)
    vote = services.vote_cast(
        actor=world.member,
        pi=world.pi,
        team=world.team,
        score=1,
        concern="Nobody owns the payment gateway upgrade",
    )
    risk = services.vote_concern_to_risk(actor=world.rte, vote=vote)
    again = services.vote_concern_to_risk(actor=world.rte, vote=vote)
    assert risk == again and risk.roam == "unroamed" and risk.team == world.team and risk.pi == world.pi
    assert risk.title == "Nobody owns the payment gateway upgrade"


def test_each_team_votes_on_its_own_plan_and_everyone_on_the_trains(world):
    services.vote_round_open(actor=world.rte, pi=world.pi, team=world.other_team)
    services.vote_round_open(actor=world.rte, pi=world.pi)
    with pytest.raises(PermissionDenied) as info:
        services.vote_cast(actor=world.member, pi=world.pi, team=world.other_team, score=1)
    assert "its own plan" in str(info.value)
    with pytest.raises(PermissionDenied):
        services.vote_cast(actor=world.business_owner, pi=world.pi, team=world.other_team, score=4)
    assert (
        services.vote_cast(actor=world.other_member, pi=world.pi, team=world.other_team, score=4).score == 4
    )
    assert services.vote_cast(actor=world.business_owner, pi=world.pi, team=None, score=3).score == 3
    with pytest.raises(PermissionDenied):
        services.vote_cast(actor=world.viewer, pi=world.pi, team=None, score=3)
