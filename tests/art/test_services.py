"""Services of the train's core: what they write, what they record, and what they refuse."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from art import services
from art.errors import ConflictError
from art.models import ChangeRecord, Feature, FeatureTransition, Iteration, Membership, ProgramIncrement
from art.selectors import feature_ranked
from tests.art.factories import PIFactory, TeamFactory, TrainFactory, UserFactory

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def test_train_create_makes_the_creator_its_rte_and_records_it():
    user = UserFactory()
    train = services.train_create(actor=user, name="Payments ART")
    assert train.slug == "payments-art"
    assert Membership.objects.get(train=train, user=user).role == "rte"
    assert ChangeRecord.objects.filter(train=train, action="created").count() == 1


def test_pi_create_generates_back_to_back_iterations_with_the_last_ip():
    # given a Monday start, 5 iterations of 2 weeks
    pi = services.pi_create(actor=None, train=TrainFactory(), name="PI 31.1", start_date=dt.date(2031, 1, 6))
    rows = list(
        Iteration.objects.filter(pi=pi).values_list("number", "name", "start_date", "end_date", "is_ip")
    )
    assert pi.end_date == dt.date(2031, 3, 16)  # 10 weeks less a day
    assert rows[0] == (1, "Iteration 1", dt.date(2031, 1, 6), dt.date(2031, 1, 19), False)
    assert rows[3] == (4, "Iteration 4", dt.date(2031, 2, 17), dt.date(2031, 3, 2), False)
    assert rows[4] == (5, "IP", dt.date(2031, 3, 3), dt.date(2031, 3, 16), True)
    assert [Iteration.objects.get(pi=pi, number=n).workdays for n in range(1, 6)] == [10] * 5


def test_pi_create_with_three_week_iterations_and_a_later_end_date():
    pi = services.pi_create(
        actor=None,
        train=TrainFactory(),
        name="Long",
        start_date=dt.date(2031, 1, 6),
        end_date=dt.date(2031, 4, 30),
        iterations=4,
        iteration_weeks=3,
    )
    last = pi.iterations.order_by("number").last()
    assert (last.name, last.is_ip, last.end_date, last.workdays) == ("IP", True, dt.date(2031, 3, 30), 15)
    assert pi.end_date == dt.date(2031, 4, 30)


def test_feature_create_records_the_first_state_at_creation_time_for_imports():
    train = TrainFactory()
    created = dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    feature = services.feature_create(
        actor=None, train=train, title="Import", state="analyzing", created_at=created
    )
    assert list(feature.transitions.values_list("from_state", "to_state", "at")) == [
        ("", "analyzing", created)
    ]


def test_wsjf_is_derived_in_the_database_with_the_domain_example():
    # domain.md: A (3, 5, 1, size 3) -> 3.00; B (8, 2, 2, size 5) -> 2.40; C (1, 1, 8, size 2) -> 5.00
    train = TrainFactory()
    a = services.feature_create(
        actor=None,
        train=train,
        title="A",
        user_business_value=3,
        time_criticality=5,
        risk_reduction=1,
        job_size=3,
    )
    b = services.feature_create(
        actor=None,
        train=train,
        title="B",
        user_business_value=8,
        time_criticality=2,
        risk_reduction=2,
        job_size=5,
    )
    c = services.feature_create(
        actor=None,
        train=train,
        title="C",
        user_business_value=1,
        time_criticality=1,
        risk_reduction=8,
        job_size=2,
    )
    unscored = services.feature_create(actor=None, train=train, title="D")
    assert (a.cost_of_delay, a.wsjf) == (9, 3.0)
    assert (b.cost_of_delay, round(b.wsjf, 2)) == (12, 2.4)
    assert (c.cost_of_delay, c.wsjf) == (10, 5.0)
    assert unscored.wsjf is None
    assert [f.title for f in feature_ranked(Feature.objects.filter(train=train))] == ["C", "A", "B", "D"]


def test_rank_ties_higher_cost_of_delay_then_time_criticality_then_smaller_job_then_older():
    train = TrainFactory()
    t0 = timezone.now() - dt.timedelta(days=10)

    def make(title, ubv, tc, rr, size, age):
        return services.feature_create(
            actor=None,
            train=train,
            title=title,
            user_business_value=ubv,
            time_criticality=tc,
            risk_reduction=rr,
            job_size=size,
            created_at=t0 + dt.timedelta(days=age),
        )

    # all WSJF 2.0
    make("small CoD", 1, 2, 1, 2, 0)  # CoD 4 / 2
    make("big CoD", 5, 3, 8, 8, 1)  # CoD 16 / 8
    make("CoD 10 TC 5", 2, 5, 3, 5, 4)  # 10 / 5
    make("CoD 10 TC 3", 5, 3, 2, 5, 5)  # 10 / 5
    make("CoD 10 TC 3 newer", 2, 3, 5, 5, 6)  # 10 / 5, same TC, same size, newer
    ranked = [f.title for f in feature_ranked(Feature.objects.filter(train=train))]
    assert ranked == ["big CoD", "CoD 10 TC 5", "CoD 10 TC 3", "CoD 10 TC 3 newer", "small CoD"]


def test_rank_sorts_on_full_precision_not_the_two_decimals_shown():
    # 13/3 = 4.333.. and 13/3 shown as 4.33; 8.67/2 does not exist on the scale, so compare
    # 20/3 = 6.667 (shown 6.67) with 20/3 + tie-breakers against 13/2 = 6.5.
    train = TrainFactory()
    services.feature_create(
        actor=None,
        train=train,
        title="6.50",
        user_business_value=5,
        time_criticality=3,
        risk_reduction=5,
        job_size=2,
    )
    services.feature_create(
        actor=None,
        train=train,
        title="6.67",
        user_business_value=13,
        time_criticality=5,
        risk_reduction=2,
        job_size=3,
    )
    assert [f.title for f in feature_ranked(Feature.objects.filter(train=train))] == ["6.67", "6.50"]


def test_back_dated_transitions_are_allowed_but_never_before_the_previous_one():
    train = TrainFactory()
    t0 = dt.datetime(2026, 5, 4, 9, tzinfo=UTC)
    feature = services.feature_create(actor=None, train=train, title="F", created_at=t0)
    services.feature_transition_add(actor=None, feature=feature, state="ready", at=t0 + dt.timedelta(days=2))
    services.feature_transition_add(
        actor=None, feature=feature, state="in_progress", at=t0 + dt.timedelta(days=5)
    )
    with pytest.raises(ValidationError) as info:
        services.feature_transition_add(
            actor=None, feature=feature, state="done", at=t0 + dt.timedelta(days=4)
        )
    assert "before the previous transition" in info.value.message_dict["at"][0]
    with pytest.raises(ValidationError) as info:
        services.feature_transition_add(
            actor=None, feature=feature, state="done", at=timezone.now() + dt.timedelta(days=1)
        )
    assert "future" in info.value.message_dict["at"][0]
    with pytest.raises(ValidationError) as info:
        services.feature_transition_add(actor=None, feature=feature, state="in_progress")
    assert "already" in info.value.message_dict["state"][0]
    with pytest.raises(ValidationError):
        services.feature_transition_add(actor=None, feature=feature, state="shipped")
    feature.refresh_from_db()
    assert feature.state == "in_progress"
    assert list(FeatureTransition.objects.filter(feature=feature).values_list("to_state", flat=True)) == [
        "funnel",
        "ready",
        "in_progress",
    ]


def test_a_transition_at_the_same_instant_as_the_previous_is_allowed():
    feature = services.feature_create(
        actor=None, train=TrainFactory(), title="F", created_at=dt.datetime(2026, 5, 4, tzinfo=UTC)
    )
    services.feature_transition_add(
        actor=None, feature=feature, state="ready", at=dt.datetime(2026, 5, 4, tzinfo=UTC)
    )
    assert feature.transitions.count() == 2


def test_a_stale_version_is_a_conflict_and_changes_nothing():
    feature = services.feature_create(actor=None, train=TrainFactory(), title="Original")
    services.feature_update(actor=None, feature=feature, version=1, title="First writer")
    with pytest.raises(ConflictError) as info:
        services.feature_update(actor=None, feature=feature, version=1, title="Second writer")
    assert info.value.current.title == "First writer"
    assert info.value.current.version == 2
    feature.refresh_from_db()
    assert (feature.title, feature.version) == ("First writer", 2)


def test_every_change_is_kept_with_who_when_and_before_after():
    user = UserFactory()
    feature = services.feature_create(actor=user, train=TrainFactory(), title="Before", job_size=5)
    services.feature_update(actor=user, feature=feature, title="After", job_size=8)
    record = ChangeRecord.objects.filter(object_id=feature.pk, action="updated").get()
    assert record.actor == user
    assert record.changes == {"title": ["Before", "After"], "job_size": [5, 8]}
    assert record.at is not None


def test_an_update_that_changes_nothing_does_not_bump_the_version():
    feature = services.feature_create(actor=None, train=TrainFactory(), title="Same")
    updated = services.feature_update(actor=None, feature=feature, version=1, title="Same")
    assert updated.version == 1


def test_delivery_iteration_follows_the_stories_unless_set_explicitly():
    pi = PIFactory()
    team = TeamFactory(train=pi.train)
    it1, it2, it3 = pi.iterations.order_by("number")[:3]
    feature = services.feature_create(actor=None, train=pi.train, title="F", pi=pi, team=team)
    s1 = services.story_create(actor=None, team=team, title="s1", feature=feature, iteration=it1, points=3)
    services.story_create(actor=None, team=team, title="s2", feature=feature, iteration=it2, points=5)
    feature.refresh_from_db()
    assert feature.iteration == it2
    services.story_move(actor=None, story=s1, iteration=it3)
    feature.refresh_from_db()
    assert feature.iteration == it3
    # set by hand: stories no longer move it
    services.feature_update(actor=None, feature=feature, iteration=it1)
    services.story_move(actor=None, story=s1, iteration=it2)
    feature.refresh_from_db()
    assert (feature.iteration, feature.iteration_is_explicit) == (it1, True)
    # handed back to the stories
    services.feature_update(actor=None, feature=feature, iteration=None)
    feature.refresh_from_db()
    assert (feature.iteration, feature.iteration_is_explicit) == (it2, False)


def test_moving_a_feature_to_another_pi_clears_its_delivery_iteration():
    pi = PIFactory()
    later = PIFactory(train=pi.train, start_date=dt.date(2027, 1, 4))
    feature = services.feature_create(
        actor=None, train=pi.train, title="F", pi=pi, iteration=pi.iterations.first()
    )
    feature = services.feature_update(actor=None, feature=feature, pi=later)
    assert (feature.pi, feature.iteration) == (later, None)


def test_pi_advance_states_opens_and_closes_pis_by_the_calendar_and_is_idempotent():
    train = TrainFactory()
    past = PIFactory(train=train, start_date=dt.date(2026, 1, 5))
    current = PIFactory(train=train, start_date=dt.date(2026, 3, 16))
    future = PIFactory(train=train, start_date=dt.date(2026, 5, 25))
    today = dt.date(2026, 4, 1)
    assert services.pi_advance_states(today=today) == 2
    assert services.pi_advance_states(today=today) == 0
    states = dict(ProgramIncrement.objects.values_list("pk", "state"))
    assert (states[past.pk], states[current.pk], states[future.pk]) == ("closed", "executing", "planning")
    assert ChangeRecord.objects.filter(action="updated", changes__state__1="closed").count() == 1


def test_team_with_work_cannot_be_deleted():
    pi = PIFactory()
    team = TeamFactory(train=pi.train)
    services.story_create(actor=None, team=team, title="s")
    with pytest.raises(ValidationError) as info:
        services.team_delete(actor=None, team=team)
    assert "move them" in info.value.message_dict["team"][0]


def test_api_tokens_are_stored_hashed_and_can_be_revoked():
    user = UserFactory()
    token, key = services.api_token_create(user=user, name="Jira sync")
    assert key not in (token.key_hash, token.prefix) and token.prefix == key[:8]
    assert services.api_token_user(key) == user
    services.api_token_revoke(user=user, token=token)
    assert services.api_token_user(key) is None
    with pytest.raises(ValidationError):
        services.api_token_create(user=user, name=" ")


def test_member_capacity_is_set_all_or_nothing():
    from decimal import Decimal

    from art.models import Absence
    from tests.art.factories import TeamMemberFactory

    pi = PIFactory()
    member = TeamMemberFactory(team=TeamFactory(train=pi.train), fte=Decimal("1"))
    it1, it2 = pi.iterations.order_by("number")[:2]
    with pytest.raises(ValidationError):
        services.team_member_capacity_set(
            actor=None, member=member, fte="0.5", delivering=True, absences=[(it1, 2), (it2, 11)]
        )
    member.refresh_from_db()
    assert member.fte == Decimal("1") and not Absence.objects.exists()
    services.team_member_capacity_set(
        actor=None, member=member, fte="0.5", delivering=True, absences=[(it1, 2)]
    )
    member.refresh_from_db()
    assert member.fte == Decimal("0.5") and Absence.objects.get().days == 2
