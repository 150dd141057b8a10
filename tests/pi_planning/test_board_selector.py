"""pi_board_data: where cards go, the ranked backlog with its ties, every dependency health case
as the board shows it (with the hidden story-level conflict), and the changes since the
baseline. Figures worked by hand (domain.md)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from art.models import IP_NO_FEATURE_LOAD, Feature, Story
from pi_planning.models import Dependency
from pi_planning.selectors.board import pi_board_data
from pi_planning.services import plan_baseline_commit
from tests.art.factories import PIFactory, TeamFactory
from tests.pi_planning.helpers import BEFORE_PI, feature, story

pytestmark = pytest.mark.django_db


def board(world, **kwargs):
    return pi_board_data(pi=world.pi, today=BEFORE_PI, **kwargs)


# --- cards on the grid ----------------------------------------------------------------------


def test_cards_go_to_their_team_row_and_iteration(world, plan):
    f = feature(world, iteration=plan.it(2), title="Checkout v2")
    s1 = story(world, feature=f, iteration=plan.it(2))
    s2 = story(world, feature=f, iteration=None)
    s3 = story(world, team=world.other_team, iteration=plan.it(3))
    data = board(world)
    assert [row.team.name for row in data.rows] == ["Alpha", "Bravo"]
    assert data.cell(world.team.pk, plan.it(2).pk).features == [f]
    assert data.cell(world.team.pk, plan.it(2).pk).stories == [s1]
    assert data.row(world.team.pk).unplaced_stories == [s2]
    assert data.cell(world.other_team.pk, plan.it(3).pk).stories == [s3]
    # the IP column is one of the columns, marked as such
    assert [it.is_ip for it in data.iterations] == [False, False, False, False, True]


def test_a_feature_without_delivery_iteration_waits_in_the_backlog(world, plan):
    placed = feature(world, iteration=plan.it(1), title="Placed")
    waiting = feature(world, iteration=None, title="Waiting")
    data = board(world)
    assert placed.pk in {f.pk for c in data.row(world.team.pk).cells for f in c.features}
    assert waiting.pk not in {f.pk for c in data.row(world.team.pk).cells for f in c.features}
    assert {f.title: f.placement for f in data.backlog} == {"Placed": "Iteration 1", "Waiting": "Not planned"}


def test_the_model_refuses_a_feature_in_the_ip_iteration(world, plan):
    from django.core.exceptions import ValidationError

    f = Feature(train=world.train, pi=world.pi, team=world.team, iteration=plan.ip, title="No")
    with pytest.raises(ValidationError) as refused:
        f.full_clean()
    assert refused.value.message_dict["iteration"] == [IP_NO_FEATURE_LOAD]


def test_milestones_show_in_the_iteration_that_contains_their_date(world, plan):
    from art.models import Milestone

    Milestone.objects.create(pi=world.pi, name="Release", date=dt.date(2026, 1, 22))
    data = board(world)
    assert [len(c.milestones) for c in data.milestone_cells] == [0, 1, 0, 0, 0]


# --- ranked backlog -------------------------------------------------------------------------


def scored(world, title, ubv, tc, rr, size, **fields):
    return feature(
        world,
        title=title,
        user_business_value=ubv,
        time_criticality=tc,
        risk_reduction=rr,
        job_size=size,
        **fields,
    )


def test_backlog_is_ranked_by_wsjf_domain_example(world):
    # A (3, 5, 1, size 3) → 3.00; B (8, 2, 2, size 5) → 2.40; C (1, 1, 8, size 2) → 5.00
    scored(world, "A", 3, 5, 1, 3)
    scored(world, "B", 8, 2, 2, 5)
    scored(world, "C", 1, 1, 8, 2)
    data = board(world)
    assert [f.title for f in data.backlog] == ["C", "A", "B"]
    assert [round(f.wsjf, 2) for f in data.backlog] == [5.00, 3.00, 2.40]
    assert [f.rank for f in data.backlog] == [1, 2, 3]


def test_backlog_ties_cost_of_delay_then_time_criticality_then_age(world):
    now = timezone.now()
    # all WSJF 3.0
    scored(world, "D low cost", 5, 3, 1, 3, created_at=now - dt.timedelta(days=9))  # CoD 9, TC 3
    scored(world, "E high cost", 5, 5, 5, 5, created_at=now)  # CoD 15
    scored(world, "F more critical", 3, 5, 1, 3, created_at=now)  # CoD 9, TC 5
    scored(world, "G older twin", 3, 5, 1, 3, created_at=now - dt.timedelta(days=30))  # same as F, older
    feature(world, title="H unscored")
    data = board(world)
    assert [f.title for f in data.backlog] == [
        "E high cost",
        "G older twin",
        "F more critical",
        "D low cost",
        "H unscored",
    ]


def test_backlog_holds_the_pi_features_and_the_trains_unplanned_ones(world):
    scored(world, "In this PI", 3, 3, 3, 3)
    scored(world, "Train backlog", 8, 8, 8, 3, pi=None)
    scored(world, "Done long ago", 8, 8, 8, 1, pi=None, state=Feature.State.DONE)
    other = PIFactory(train=world.train, name="Later", start_date=dt.date(2026, 4, 6))
    scored(world, "Another PI", 20, 20, 20, 1, pi=other)
    data = board(world)
    assert [f.title for f in data.backlog] == ["Train backlog", "In this PI"]
    assert [f.title for f in data.features] == ["In this PI"]


# --- dependency health on the board ---------------------------------------------------------


def dep(world, plan, *, provider_feature=None, needed_by=3, committed=None, **fields) -> Dependency:
    requester = fields.pop("feature", None) or feature(world, iteration=plan.it(needed_by), title="Needs it")
    values = {
        "pi": world.pi,
        "requester_team": world.team,
        "feature": requester,
        "needed_by": plan.it(needed_by),
        "committed_iteration": committed,
        "title": fields.pop("title", "An API"),
    }
    if "external_provider" in fields:
        values["external_provider"] = fields.pop("external_provider")
    else:
        values.update(provider_team=world.other_team, provider_feature=provider_feature)
    values.update(fields)
    return Dependency.objects.create(**values)


def provides(world, plan, number):
    return feature(
        world,
        team=world.other_team,
        iteration=plan.it(number) if number else None,
        title=f"Provides in {number}",
    )


def health(world, dependency):
    data = board(world)
    return next(d for d in data.dependencies if d.pk == dependency.pk).health, data


def test_provider_planned_before_it_is_needed_is_healthy(world, plan):
    d = dep(world, plan, provider_feature=provides(world, plan, 2))
    result, data = health(world, d)
    assert result.code == "green"
    assert "before Iteration 3" in result.reason
    requester = data.card("feature", d.feature_id)
    assert (requester.deps.count, requester.deps.worst, requester.deps.tone) == (1, "green", "healthy")


def test_provider_planned_in_the_iteration_it_is_needed_is_at_risk(world, plan):
    d = dep(world, plan, provider_feature=provides(world, plan, 3))
    assert health(world, d)[0].code == "amber"


def test_provider_planned_later_is_a_conflict(world, plan):
    d = dep(world, plan, provider_feature=provides(world, plan, 4))
    result, data = health(world, d)
    assert result.code == "red"
    assert "for Iteration 4, after it is needed (Iteration 3)" in result.reason
    assert data.health_counts["red"] == 1


def test_provider_that_has_not_planned_it_is_a_conflict(world, plan):
    d = dep(world, plan, provider_feature=provides(world, plan, None))
    result, _ = health(world, d)
    assert result.code == "red"
    assert "has not planned it yet" in result.reason
    # and without any provider feature, the same
    d2 = dep(world, plan, provider_feature=None)
    assert health(world, d2)[0].code == "red"


def test_provider_committed_to_the_ip_iteration_is_a_conflict(world, plan):
    d = dep(world, plan, provider_feature=provides(world, plan, 2), committed=plan.ip, state="committed")
    result, _ = health(world, d)
    assert result.code == "red"
    assert "IP iteration" in result.reason


def test_provider_committed_in_another_pi_is_a_conflict(world, plan):
    other = PIFactory(train=world.train, name="PI 26.2", start_date=dt.date(2026, 4, 6))
    d = dep(world, plan, committed=other.iterations.get(number=1), state="committed")
    result, _ = health(world, d)
    assert result.code == "red"
    assert "in another PI (PI 26.2, Iteration 1)" in result.reason


def test_provider_feature_in_another_pi_is_a_conflict(world, plan):
    other = PIFactory(train=world.train, name="PI 26.2", start_date=dt.date(2026, 4, 6))
    elsewhere = feature(world, team=world.other_team, pi=other, iteration=other.iterations.get(number=1))
    d = dep(world, plan, provider_feature=elsewhere)
    result, data = health(world, d)
    assert result.code == "red"
    assert "another PI" in result.reason
    # the string ends at the provider team's row: its feature is not on this board
    line = next(line for line in data.lines if line.id == d.pk)
    assert line.source == f"team-{world.other_team.pk}"


def test_hidden_story_level_conflict(world, plan):
    # given a provider feature committed for iteration 2, needed by iteration 3 (looks healthy),
    # but one of the providing team's stories of that feature is placed in iteration 4
    provider = provides(world, plan, 2)
    story(world, team=world.other_team, feature=provider, iteration=plan.it(2), title="On time")
    late = story(world, team=world.other_team, feature=provider, iteration=plan.it(4), title="Too late")
    story(world, team=world.team, feature=provider, iteration=plan.it(4), title="Another team's")
    d = dep(world, plan, provider_feature=provider, committed=plan.it(2), state="committed")
    result, data = health(world, d)
    # then it is a conflict, naming the late story (and only the providing team's)
    assert result.code == "red"
    assert result.hidden_conflict
    assert result.late_stories == (late.key,)
    assert f"{late.key} in Iteration 4" in result.reason
    # and the late story's card says what it is late for
    card = data.card("story", late.pk)
    assert card.late_for == [d.key]
    line = next(line for line in data.lines if line.id == d.pk)
    assert line.hidden_conflict


def test_delivered_dependency_is_done_and_not_counted_on_cards(world, plan):
    d = dep(
        world, plan, provider_feature=provides(world, plan, 4), state="delivered", resolved_at=timezone.now()
    )
    result, data = health(world, d)
    assert result.code == "done"
    assert data.health_counts["done"] == 1
    assert data.card("feature", d.feature_id).deps.count == 0
    assert next(line for line in data.lines if line.id == d.pk).done


def test_external_provider_gets_a_marker_and_no_string(world, plan):
    d = dep(world, plan, external_provider="Bank API vendor", committed=plan.it(2), state="committed")
    result, data = health(world, d)
    assert result.code == "green"
    requester = data.card("feature", d.feature_id)
    assert requester.deps.external == 1
    line = next(line for line in data.lines if line.id == d.pk)
    assert line.source is None
    assert line.target == f"card-feature-{d.feature_id}"


def test_a_card_badge_shows_the_worst_health_of_its_dependencies(world, plan):
    requester = feature(world, iteration=plan.it(3), title="Needs two")
    dep(world, plan, feature=requester, provider_feature=provides(world, plan, 2))
    dep(world, plan, feature=requester, provider_feature=provides(world, plan, 4))
    dep(world, plan, feature=requester, provider_feature=provides(world, plan, 3))
    card = board(world).card("feature", requester.pk)
    assert (card.deps.count, card.deps.worst, card.deps.label) == (3, "red", "Conflict")


def test_strings_go_from_the_providing_card_to_the_requesting_card(world, plan):
    provider = provides(world, plan, 2)
    d = dep(world, plan, provider_feature=provider)
    line = next(line for line in board(world).lines if line.id == d.pk)
    assert (line.source, line.target) == (f"card-feature-{provider.pk}", f"card-feature-{d.feature_id}")
    assert line.as_json()["fromTeam"] == f"team-{world.other_team.pk}"


# --- baseline -------------------------------------------------------------------------------


def test_changes_since_the_baseline(world, plan):
    from art import services

    f = feature(world, iteration=plan.it(1), title="Moves")
    s = story(world, feature=f, iteration=plan.it(1), title="Moves too")
    gone = story(world, iteration=plan.it(2), title="Unplanned later")
    plan_baseline_commit(actor=world.rte, pi=world.pi)
    services.story_move(actor=world.rte, story=s, iteration=plan.it(2), version=s.version)
    services.story_move(actor=world.rte, story=gone, iteration=None, version=gone.version)
    added = story(world, iteration=plan.it(3), title="New")
    data = board(world)
    by_card = {(c.kind, c.id): c.change for c in data.changes}
    assert by_card == {("story", s.pk): "moved", ("story", gone.pk): "removed", ("story", added.pk): "added"}
    assert data.card("story", s.pk).change == "moved"
    assert data.change_counts == {"moved": 1, "added": 1, "removed": 1}


def test_no_baseline_no_changes(world, plan):
    feature(world, iteration=plan.it(1))
    data = board(world)
    assert data.baseline is None and data.changes == []


def test_team_rows_do_not_include_other_trains(world, plan):
    TeamFactory(name="Elsewhere")
    assert len(board(world).rows) == 2
    assert Story.objects.count() == 0
