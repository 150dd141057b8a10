"""board_dependencies (the planning board's read of a PI's dependencies, from plain rows and
the board's own teams, iterations and features) gives the same health, age and relations as
with_health over dependency_queryset (model objects through seven relations), on a small
world worked out by hand: each health case of the rule, a hidden conflict with its late
stories, another PI, an external provider, a done one. And the board API's long lists, written
directly, are what their serializers write."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.fields import DateTimeField

from art.models import Feature, Iteration, Team
from art.services import feature_update, story_create
from pi_planning.api.board import BoardSerializer, board_data, board_representation, dependency_representation
from pi_planning.selectors.board import pi_board_data
from pi_planning.selectors.dependencies import board_dependencies, dependency_queryset, with_health
from pi_planning.services import dependency_create, dependency_set_state
from tests.art.factories import FeatureFactory, PIFactory, TeamFactory
from tests.pi_planning.helpers import build_board

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(dt.datetime(2026, 1, 30, 12))


def build():
    """Seven dependencies of Alpha on Bravo (or on an outside supplier), one per case."""
    pi = PIFactory()
    later = PIFactory(train=pi.train, name="PI later", start_date=dt.date(2026, 3, 16))
    its = list(pi.iterations.order_by("number"))
    later_its = list(later.iterations.order_by("number"))
    alpha = TeamFactory(train=pi.train, name="Alpha")
    bravo = TeamFactory(train=pi.train, name="Bravo")
    need = FeatureFactory(train=pi.train, pi=pi, team=alpha, title="Needs")

    def provided(title, iteration=None):
        feature = FeatureFactory(train=pi.train, pi=pi, team=bravo, title=title)
        if iteration is not None:
            feature_update(actor=None, feature=feature, iteration=iteration)
        return feature

    def dep(title, **kwargs):
        kwargs.setdefault("created_at", NOW - dt.timedelta(days=20))
        return dependency_create(actor=None, pi=pi, requester_team=alpha, feature=need, title=title, **kwargs)

    deps = {}
    # planned its feature for iteration 1, needed by 3: green
    deps["green"] = dep("green", needed_by=its[2], provider_feature=provided("early", its[0]))
    # committed for 3, needed by 3: amber
    deps["amber"] = dep(
        "amber", needed_by=its[2], provider_team=bravo, committed_iteration=its[2], state="committed"
    )
    # committed for 2, needed by 3, but Bravo placed a story of its feature in 4: hidden conflict
    late_feature = provided("late", its[1])
    late = story_create(actor=None, team=bravo, title="Late one", feature=late_feature, iteration=its[3])
    story_create(actor=None, team=bravo, title="In time", feature=late_feature, iteration=its[1])
    story_create(actor=None, team=alpha, title="Not Bravo's", feature=late_feature, iteration=its[3])
    deps["hidden"] = dep(
        "hidden",
        needed_by=its[2],
        provider_feature=late_feature,
        committed_iteration=its[1],
        state="committed",
    )
    # nothing planned: red
    deps["unplanned"] = dep("unplanned", needed_by=its[1], provider_team=bravo)
    # committed in the next PI: red, naming it
    deps["other_pi"] = dep(
        "other_pi",
        needed_by=its[3],
        provider_team=bravo,
        committed_iteration=later_its[0],
        state="committed",
    )
    # an outside supplier, nothing planned: red
    deps["external"] = dep("external", needed_by=its[1], external_provider="Acme Corp")
    # delivered: done
    done = dep("done", needed_by=its[1], provider_team=bravo, committed_iteration=its[0], state="committed")
    dependency_set_state(actor=None, dependency=done, state="delivered")
    deps["done"] = done
    return pi, its, later_its, late, deps


def expected(its, later_its, late):
    """(code, reason, hidden conflict, late stories) per case, worked out by hand from the rule
    (art.rules.dependencies.dependency_health)."""
    return {
        "green": ("green", f"Bravo planned its feature for {its[0].name}, before {its[2].name}", False, ()),
        "amber": (
            "amber",
            f"Bravo committed for {its[2].name}, the iteration it is needed in: no slack",
            False,
            (),
        ),
        "hidden": (
            "red",
            f"Hidden conflict: Bravo committed for {its[1].name}, but its stories {late.key} in "
            f"{its[3].name} are placed after {its[2].name}",
            True,
            (late.key,),
        ),
        "unplanned": ("red", f"Bravo has not planned it yet (needed by {its[1].name})", False, ()),
        "other_pi": (
            "red",
            f"Bravo committed in another PI (PI later, {later_its[0].name}); needed by {its[3].name}",
            False,
            (),
        ),
        "external": ("red", f"Acme Corp has not planned it yet (needed by {its[1].name})", False, ()),
        "done": ("done", "Delivered", False, ()),
    }


def _figures(dep):
    return (
        dep.pk,
        dep.health,
        dep.age_days,
        dep.aging,
        dep.requester_team.name,
        dep.provider_name,
        dep.feature.key if dep.feature else None,
        dep.provider_feature.key if dep.provider_feature else None,
        dep.needed_by.name,
        dep.committed_iteration.name if dep.committed_iteration else None,
    )


def test_board_dependencies_give_the_hand_worked_health_and_the_same_figures_as_with_health():
    pi, its, later_its, late, deps = build()
    by_id = {d.pk: name for name, d in deps.items()}
    before = with_health(dependency_queryset().filter(pi_id=pi.pk).order_by("needed_by__number", "id"), NOW)
    after = board_dependencies(pi=pi, teams={}, iterations={}, features={}, now=NOW)
    assert [_figures(d) for d in after] == [_figures(d) for d in before]
    want = expected(its, later_its, late)
    got = {
        by_id[d.pk]: (d.health.code, d.health.reason, d.health.hidden_conflict, d.health.late_stories)
        for d in after
    }
    assert got == want
    assert {by_id[d.pk]: (d.age_days, d.aging) for d in after}["green"] == (20, True)
    assert {by_id[d.pk]: d.aging for d in after}["done"] is False


def test_board_dependencies_take_the_boards_objects_and_read_nothing_more(django_assert_num_queries):
    pi, _its, later_its, _late, deps = build()
    teams = {t.pk: t for t in Team.objects.filter(train=pi.train)}
    iterations = {i.pk: i for i in Iteration.objects.filter(pi=pi)}
    features = {f.pk: f for f in Feature.objects.filter(pi=pi)}
    # the dependencies, the one iteration of another PI (committed), the provider stories
    with django_assert_num_queries(3):
        rows = board_dependencies(pi=pi, teams=teams, iterations=iterations, features=features, now=NOW)
        for dep in rows:  # what the board reads of them: no query
            _figures(dep)
            assert dep.pi is pi
    for dep in rows:
        assert dep.requester_team is teams[dep.requester_team_id]
        assert dep.needed_by is iterations[dep.needed_by_id]
        assert dep.feature is features[dep.feature_id]
    other = next(d for d in rows if d.pk == deps["other_pi"].pk)
    # not among the board's iterations: built once from the row, the same name and PI
    assert other.committed_iteration.name == later_its[0].name
    assert other.committed_iteration.pi_id == later_its[0].pi_id


def test_board_dependencies_cost_five_queries_at_most_however_many(django_assert_num_queries):
    pi, its, _later_its, _late, _deps = build()
    # given none of the board's objects: the dependencies, then their features, iterations and
    # teams (one query each, by id), the provider stories
    with django_assert_num_queries(5):
        assert len(board_dependencies(pi=pi, teams={}, iterations={}, features={})) == 7
    bravo = Team.objects.get(train=pi.train, name="Bravo")
    alpha = Team.objects.get(train=pi.train, name="Alpha")
    for n in range(30):
        feature = FeatureFactory(train=pi.train, pi=pi, team=bravo)
        story_create(actor=None, team=bravo, title=f"s{n}", feature=feature, iteration=its[n % 4])
        dependency_create(actor=None, pi=pi, requester_team=alpha, needed_by=its[2], provider_feature=feature)
    with django_assert_num_queries(5):
        assert len(board_dependencies(pi=pi, teams={}, iterations={}, features={})) == 37


def test_the_board_api_lists_are_what_their_serializers_write(world, plan):
    build_board(world, plan, teams=3, cards=60)
    board = pi_board_data(pi=world.pi)
    assert board.dependencies and board.features and board.stories
    assert board_representation(board) == BoardSerializer(board_data(board)).data
    # date-times in the time zone of the request (a train's), resolved ones included
    resolved = board.dependencies[0]
    resolved.resolved_at = resolved.created_at + dt.timedelta(days=3, hours=5)
    for zone in ("UTC", "Europe/Paris", "America/Los_Angeles"):
        with timezone.override(zone):
            assert board_representation(board) == BoardSerializer(board_data(board)).data
            written = dependency_representation(resolved)
            assert written["created_at"] == DateTimeField().to_representation(resolved.created_at)
            assert written["resolved_at"] == DateTimeField().to_representation(resolved.resolved_at)
            assert written["created_at"].endswith("Z") is (zone == "UTC")
