"""PI planning services: dependencies, objectives, votes, risks and baselines."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from art.errors import ConflictError
from art.models import ChangeRecord
from art.services import story_create, story_move
from pi_planning import services
from pi_planning.models import Dependency, Risk, Vote, VoteRound
from tests.art.factories import FeatureFactory, TeamFactory
from tests.pi_planning.factories import DependencyFactory, ObjectiveFactory, RiskFactory

pytestmark = pytest.mark.django_db


def its(pi):
    return list(pi.iterations.order_by("number"))


# --- dependencies ----------------------------------------------------------------------------


def test_linking_two_features_takes_the_provider_team_from_the_provider_feature(world):
    needer = FeatureFactory(train=world.train, pi=world.pi, team=world.team)
    provider = FeatureFactory(train=world.train, pi=world.pi, team=world.other_team)
    dep = services.dependency_create(
        actor=world.member,
        pi=world.pi,
        requester_team=world.team,
        needed_by=its(world.pi)[2],
        feature=needer,
        provider_feature=provider,
    )
    assert (dep.provider_team, dep.state, dep.version, dep.resolved_at) == (
        world.other_team,
        "requested",
        1,
        None,
    )
    assert ChangeRecord.objects.filter(object_id=dep.pk, action="created").exists()


def test_a_dependency_names_exactly_one_provider(world):
    with pytest.raises(ValidationError) as info:
        services.dependency_create(
            actor=None, pi=world.pi, requester_team=world.team, needed_by=its(world.pi)[1]
        )
    assert "provider_team" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        services.dependency_create(
            actor=None,
            pi=world.pi,
            requester_team=world.team,
            needed_by=its(world.pi)[1],
            provider_team=world.other_team,
            external_provider="Vendor",
        )
    assert "not both" in info.value.message_dict["external_provider"][0]
    with pytest.raises(ValidationError) as info:
        services.dependency_create(
            actor=None,
            pi=world.pi,
            requester_team=world.team,
            needed_by=its(world.pi)[1],
            provider_team=world.team,
        )
    assert "differ" in info.value.message_dict["provider_team"][0]
    assert not Dependency.objects.exists()


def test_an_external_dependency_names_the_party_in_free_text(world):
    dep = services.dependency_create(
        actor=None,
        pi=world.pi,
        requester_team=world.team,
        needed_by=its(world.pi)[1],
        external_provider="  Card network sandbox ",
    )
    assert dep.is_external and dep.provider_name == "Card network sandbox"


def test_lifecycle_commit_defaults_to_the_needed_by_iteration_or_takes_a_counter_proposal(world):
    dep = DependencyFactory(pi=world.pi, requester_team=world.team, provider_team=world.other_team)
    dep = services.dependency_set_state(actor=None, dependency=dep, state="committed")
    assert dep.committed_iteration == dep.needed_by
    counter = DependencyFactory(pi=world.pi, requester_team=world.team, provider_team=world.other_team)
    counter = services.dependency_set_state(
        actor=None, dependency=counter, state="committed", committed_iteration=its(world.pi)[3]
    )
    assert counter.committed_iteration == its(world.pi)[3]


def test_lifecycle_refuses_skipping_and_sets_resolved_at_on_delivery(world):
    dep = DependencyFactory(pi=world.pi, requester_team=world.team, provider_team=world.other_team)
    with pytest.raises(ValidationError) as info:
        services.dependency_set_state(actor=None, dependency=dep, state="delivered")
    assert "cannot move to delivered" in info.value.message_dict["state"][0]
    dep = services.dependency_set_state(actor=None, dependency=dep, state="committed")
    dep = services.dependency_set_state(actor=None, dependency=dep, state="in_progress")
    dep = services.dependency_set_state(actor=None, dependency=dep, state="delivered")
    assert dep.resolved_at is not None and dep.state == "delivered"
    reopened = services.dependency_set_state(actor=None, dependency=dep, state="in_progress")
    assert reopened.resolved_at is None


def test_stale_dependency_update_is_a_conflict_and_nothing_is_lost(world):
    dep = DependencyFactory(pi=world.pi, requester_team=world.team, provider_team=world.other_team)
    services.dependency_update(actor=world.member, dependency=dep, version=1, owner="Ana")
    with pytest.raises(ConflictError) as info:
        services.dependency_update(actor=world.other_member, dependency=dep, version=1, owner="Ben")
    assert info.value.current.owner == "Ana"
    dep.refresh_from_db()
    assert (dep.owner, dep.version) == ("Ana", 2)


def test_comments_need_text(world):
    dep = DependencyFactory(pi=world.pi, requester_team=world.team, provider_team=world.other_team)
    with pytest.raises(ValidationError):
        services.dependency_comment_add(actor=world.member, dependency=dep, body="  ")
    comment = services.dependency_comment_add(
        actor=world.member, dependency=dep, body="Blocked on the test env"
    )
    assert comment.author == world.member


# --- objectives ------------------------------------------------------------------------------


def test_objective_values_are_range_checked_with_the_rule(world):
    with pytest.raises(ValidationError) as info:
        services.objective_create(actor=None, pi=world.pi, team=world.team, title="Go live", planned_bv=11)
    assert "10" in info.value.message_dict["planned_bv"][0]
    objective = services.objective_create(
        actor=None, pi=world.pi, team=world.team, title="Go live", planned_bv=8
    )
    with pytest.raises(ValidationError) as info:
        services.objective_update(actor=None, objective=objective, actual_bv=-1)
    assert "actual_bv" in info.value.message_dict
    objective = services.objective_update(actor=None, objective=objective, version=1, actual_bv=7)
    assert (objective.actual_bv, objective.version) == (7, 2)


def test_objective_features_must_be_of_the_train(world):
    objective = ObjectiveFactory(pi=world.pi, team=world.team)
    with pytest.raises(ValidationError):
        services.objective_update(actor=None, objective=objective, features=[FeatureFactory()])
    mine = FeatureFactory(train=world.train)
    services.objective_update(actor=None, objective=objective, features=[mine])
    assert list(objective.features.all()) == [mine]


# --- votes -----------------------------------------------------------------------------------


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


# --- risks -----------------------------------------------------------------------------------


def test_new_risks_start_unroamed(world):
    risk = services.risk_create(actor=world.member, train=world.train, pi=world.pi, title="Vendor late")
    assert (risk.roam, risk.roamed_at) == ("unroamed", None)


def test_mitigated_without_plan_is_refused_naming_the_rule_and_nothing_changes(world):
    risk = RiskFactory(pi=world.pi, train=world.train)
    with pytest.raises(ValidationError) as info:
        services.risk_roam(actor=world.rte, risk=risk, roam="mitigated", owner="Ana")
    assert info.value.message_dict == {"mitigation_plan": ["Mitigated needs a mitigation plan"]}
    with pytest.raises(ValidationError) as info:
        services.risk_roam(actor=world.rte, risk=risk, roam="owned")
    assert info.value.message_dict == {"owner": ["Owned needs an owner"]}
    risk.refresh_from_db()
    assert (risk.roam, risk.version) == ("unroamed", 1)


def test_each_roam_move_is_kept_in_history(world):
    risk = RiskFactory(pi=world.pi, train=world.train)
    risk = services.risk_roam(actor=world.rte, risk=risk, roam="owned", owner="Ana", version=1)
    risk = services.risk_roam(
        actor=world.member, risk=risk, roam="mitigated", mitigation_plan="Second vendor"
    )
    risk = services.risk_roam(actor=world.member, risk=risk, roam="resolved")
    moves = ChangeRecord.objects.filter(object_id=risk.pk, action="updated").order_by("at", "id")
    assert [m.changes["roam"] for m in moves] == [
        ["unroamed", "owned"],
        ["owned", "mitigated"],
        ["mitigated", "resolved"],
    ]
    assert [m.actor for m in moves] == [world.rte, world.member, world.member]
    with pytest.raises(ValidationError):
        services.risk_roam(actor=world.rte, risk=risk, roam="owned")


def test_risk_update_routes_roam_through_the_rules(world):
    risk = RiskFactory(pi=world.pi, train=world.train)
    with pytest.raises(ValidationError):
        services.risk_update(actor=None, risk=risk, roam="mitigated", owner="Ana")
    risk = services.risk_update(
        actor=None, risk=risk, roam="mitigated", owner="Ana", mitigation_plan="Plan B"
    )
    assert risk.roam == "mitigated"
    with pytest.raises(ConflictError):
        services.risk_update(actor=None, risk=risk, version=1, title="stale")


def test_database_refuses_a_mitigated_risk_without_plan(world):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Risk.objects.create(train=world.train, title="x", roam="mitigated", owner="Ana")


# --- baselines -------------------------------------------------------------------------------


def test_baseline_keeps_the_committed_plan_and_changes_are_computed_against_it(world):
    from art.rules.baselines import plan_changes

    it1, it2, it3 = its(world.pi)[:3]
    feature = FeatureFactory(train=world.train, pi=world.pi, team=world.team)
    moved = story_create(actor=None, team=world.team, title="moved", feature=feature, iteration=it1)
    story_create(actor=None, team=world.team, title="kept", feature=feature, iteration=it2)
    baseline = services.plan_baseline_commit(actor=world.rte, pi=world.pi)
    story_move(actor=None, story=moved, iteration=it3)
    added = story_create(actor=None, team=world.other_team, title="added", iteration=it1)
    changes = plan_changes(baseline.snapshot, services.plan_snapshot(world.pi))
    by_id = {(c.kind, c.id): c.change for c in changes}
    assert by_id == {
        ("story", moved.pk): "moved",
        ("story", added.pk): "added",
        ("feature", feature.pk): "moved",
    }


def test_holidays_one_per_date(world):
    services.holiday_create(actor=None, train=world.train, date=dt.date(2026, 1, 6), name="Epiphany")
    with pytest.raises(ValidationError) as info:
        services.holiday_create(actor=None, train=world.train, date=dt.date(2026, 1, 6), name="Again")
    assert "already" in info.value.message_dict["date"][0]


def test_resolved_dependency_keeps_its_age(world):
    from art.rules.dependencies import DependencyDates, dependency_age_days

    created = timezone.now() - dt.timedelta(days=20)
    dep = DependencyFactory(
        pi=world.pi, requester_team=world.team, provider_team=world.other_team, created_at=created
    )
    assert dependency_age_days(DependencyDates(dep.created_at, dep.resolved_at), timezone.now()) == 20
    dep = services.dependency_set_state(actor=None, dependency=dep, state="cancelled")
    later = timezone.now() + dt.timedelta(days=30)
    assert dependency_age_days(DependencyDates(dep.created_at, dep.resolved_at), later) == 20


def test_team_from_other_train_refused_everywhere(world):
    foreign = TeamFactory()
    with pytest.raises(ValidationError):
        services.objective_create(actor=None, pi=world.pi, team=foreign, title="x")
    with pytest.raises(ValidationError):
        services.vote_round_open(actor=None, pi=world.pi, team=foreign)
    with pytest.raises(ValidationError):
        services.dependency_create(
            actor=None,
            pi=world.pi,
            requester_team=world.team,
            provider_team=foreign,
            needed_by=its(world.pi)[1],
        )


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
