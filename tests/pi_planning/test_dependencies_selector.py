"""Health computed from the data: the selector feeds the rule with committed iterations,
provider features and the provider's stories, in a bounded number of queries."""

import pytest

from art.services import feature_update, story_create, story_move
from pi_planning.selectors.dependencies import pi_dependencies
from pi_planning.services import dependency_create, dependency_set_state
from tests.art.factories import FeatureFactory, PIFactory, TeamFactory

pytestmark = pytest.mark.django_db


def setup_pi():
    pi = PIFactory()
    its = list(pi.iterations.order_by("number"))
    requester, provider = TeamFactory(train=pi.train, name="Alpha"), TeamFactory(train=pi.train, name="Bravo")
    return pi, its, requester, provider


def test_provider_feature_drives_health_until_the_provider_commits():
    pi, its, requester, provider = setup_pi()
    provided = FeatureFactory(train=pi.train, pi=pi, team=provider)
    dep = dependency_create(
        actor=None, pi=pi, requester_team=requester, needed_by=its[2], provider_feature=provided
    )
    assert pi_dependencies(pi_id=pi.pk)[0].health.code == "red"  # not planned
    story = story_create(actor=None, team=provider, title="API", feature=provided, iteration=its[1])
    assert pi_dependencies(pi_id=pi.pk)[0].health.code == "green"  # feature follows its story: 2 < 3
    story_move(actor=None, story=story, iteration=its[3])
    assert pi_dependencies(pi_id=pi.pk)[0].health.code == "red"  # dragged past needed-by
    dependency_set_state(actor=None, dependency=dep, state="committed", committed_iteration=its[2])
    row = pi_dependencies(pi_id=pi.pk)[0]
    # committed in 3 (= needed by): would be amber, but story in 4 hides a conflict
    assert row.health.code == "red" and row.health.hidden_conflict


def test_hidden_conflict_counts_only_the_providing_teams_stories():
    pi, its, requester, provider = setup_pi()
    provided = FeatureFactory(train=pi.train, pi=pi, team=provider)
    feature_update(actor=None, feature=provided, iteration=its[1])
    story_create(actor=None, team=requester, title="Their own", feature=provided, iteration=its[3])
    dependency_create(
        actor=None, pi=pi, requester_team=requester, needed_by=its[2], provider_feature=provided
    )
    assert pi_dependencies(pi_id=pi.pk)[0].health.code == "green"


def test_query_count_does_not_grow_with_dependencies(django_assert_max_num_queries):
    pi, its, requester, provider = setup_pi()
    for n in range(3):
        f = FeatureFactory(train=pi.train, pi=pi, team=provider)
        story_create(actor=None, team=provider, title=f"s{n}", feature=f, iteration=its[n % 4])
        dependency_create(actor=None, pi=pi, requester_team=requester, needed_by=its[2], provider_feature=f)
    with django_assert_max_num_queries(2):
        assert len(pi_dependencies(pi_id=pi.pk)) == 3
    for n in range(30):
        f = FeatureFactory(train=pi.train, pi=pi, team=provider)
        story_create(actor=None, team=provider, title=f"t{n}", feature=f, iteration=its[n % 4])
        dependency_create(
            actor=None,
            pi=pi,
            requester_team=requester,
            needed_by=its[2],
            provider_feature=f,
            external_provider="",
        )
    with django_assert_max_num_queries(2):
        rows = pi_dependencies(pi_id=pi.pk)
        assert len(rows) == 33 and {r.health.code for r in rows} == {"green", "amber", "red"}
