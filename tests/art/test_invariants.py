"""Every invariant of the core model: refused by the database itself, and refused by the
services with a message that names the field and the rule."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from art import services
from art.models import Absence, Feature, Iteration, Membership, ProgramIncrement, Story, Team, TeamMember
from tests.art.factories import (
    FeatureFactory,
    IterationFactory,
    PIFactory,
    TeamFactory,
    TeamMemberFactory,
    TrainFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def refused(fn, field, *fragments):
    with pytest.raises(ValidationError) as info:
        fn()
    messages = " ".join(info.value.message_dict.get(field, []))
    assert messages, f"expected an error on {field}, got {info.value.message_dict}"
    for fragment in fragments:
        assert fragment in messages, messages
    return info.value


def db_refuses(fn):
    with pytest.raises(IntegrityError), transaction.atomic():
        fn()


# --- the database refuses bad rows whatever the path -----------------------------------------


@pytest.mark.parametrize("field", ["user_business_value", "time_criticality", "risk_reduction", "job_size"])
def test_database_refuses_wsjf_inputs_off_the_fibonacci_scale(field):
    train = TrainFactory()
    db_refuses(lambda: Feature.objects.create(train=train, title="x", **{field: 4}))


def test_database_refuses_fte_above_one_and_below_zero():
    team = TeamFactory()
    db_refuses(lambda: TeamMember.objects.create(team=team, name="x", fte=Decimal("1.5")))
    db_refuses(lambda: TeamMember.objects.create(team=team, name="x", fte=Decimal("-0.1")))


def test_database_refuses_duplicate_team_names_in_a_train_but_not_across_trains():
    team = TeamFactory(name="Alpha")
    TeamFactory(name="Alpha")  # another train
    db_refuses(lambda: Team.objects.create(train=team.train, name="Alpha"))


def test_database_refuses_a_member_role_without_team_and_a_team_on_other_roles():
    train, user = TrainFactory(), UserFactory()
    team = TeamFactory(train=train)
    db_refuses(lambda: Membership.objects.create(train=train, user=user, role="member"))
    db_refuses(lambda: Membership.objects.create(train=train, user=user, role="viewer", team=team))


def test_database_refuses_a_pi_ending_before_it_starts_and_duplicate_names():
    pi = PIFactory()
    db_refuses(
        lambda: ProgramIncrement.objects.create(
            train=pi.train, name="Bad", start_date=dt.date(2030, 1, 10), end_date=dt.date(2030, 1, 1)
        )
    )
    db_refuses(
        lambda: ProgramIncrement.objects.create(
            train=pi.train, name=pi.name, start_date=dt.date(2031, 1, 1), end_date=dt.date(2031, 3, 1)
        )
    )


def test_database_refuses_duplicate_iteration_numbers_and_negative_absences():
    pi = PIFactory()
    first = pi.iterations.first()
    db_refuses(
        lambda: Iteration.objects.create(
            pi=pi, number=first.number, name="x", start_date=first.start_date, end_date=first.end_date
        )
    )
    member = TeamMemberFactory(team=TeamFactory(train=pi.train))
    db_refuses(lambda: Absence.objects.create(member=member, iteration=first, days=Decimal("-1")))


def test_database_refuses_duplicate_external_keys_in_a_train():
    feature = FeatureFactory(external_key="PAY-1")
    FeatureFactory(external_key="PAY-1")  # another train: fine
    FeatureFactory(train=feature.train, external_key=None)
    FeatureFactory(train=feature.train, external_key=None)  # several without a key: fine
    db_refuses(lambda: Feature.objects.create(train=feature.train, title="x", external_key="PAY-1"))


def test_database_refuses_story_points_above_100():
    team = TeamFactory()
    db_refuses(lambda: Story.objects.create(train=team.train, team=team, title="x", points=101))


def test_database_refuses_overlapping_pis_on_postgresql():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("exclusion constraints exist on PostgreSQL only; services check on SQLite")
    pi = PIFactory(iterations=0)
    db_refuses(
        lambda: ProgramIncrement.objects.create(
            train=pi.train,
            name="Overlap",
            start_date=pi.end_date,
            end_date=pi.end_date + dt.timedelta(days=30),
        )
    )
    IterationFactory(pi=pi, number=1)
    db_refuses(
        lambda: Iteration.objects.create(
            pi=pi, number=2, name="x", start_date=pi.start_date, end_date=pi.start_date + dt.timedelta(days=3)
        )
    )


# --- the services refuse with a message naming the field and the rule ------------------------


def test_wsjf_input_off_the_scale_is_refused_naming_the_field_and_the_scale():
    train = TrainFactory()
    refused(
        lambda: services.feature_create(actor=None, train=train, title="x", job_size=4),
        "job_size",
        "1, 2, 3, 5, 8, 13, 20",
    )
    assert not Feature.objects.exists()


def test_fte_out_of_range_is_refused_naming_the_range():
    team = TeamFactory()
    refused(lambda: services.team_member_create(actor=None, team=team, name="Ann", fte="1.2"), "fte", "1")
    refused(lambda: services.team_member_create(actor=None, team=team, name="Ann", fte="-1"), "fte", "0")
    assert not TeamMember.objects.exists()


def test_duplicate_team_name_is_refused_naming_the_rule():
    team = TeamFactory(name="Alpha")
    refused(
        lambda: services.team_create(actor=None, train=team.train, name="Alpha"),
        "name",
        "unique within the train",
    )


def test_empty_names_are_refused():
    train = TrainFactory()
    refused(lambda: services.team_create(actor=None, train=train, name="  "), "name")
    refused(lambda: services.train_create(actor=None, name=""), "name")


def test_a_member_role_needs_a_team_of_the_same_train():
    train, user = TrainFactory(), UserFactory()
    refused(
        lambda: services.membership_create(actor=None, train=train, user=user, role="member"),
        "team",
        "required",
    )
    foreign = TeamFactory()
    refused(
        lambda: services.membership_create(actor=None, train=train, user=user, role="member", team=foreign),
        "team",
        "same train",
    )


def test_one_role_per_person_and_train():
    train, user = TrainFactory(), UserFactory()
    services.membership_create(actor=None, train=train, user=user, role="viewer")
    refused(
        lambda: services.membership_create(actor=None, train=train, user=user, role="rte"), "user", "one role"
    )


def test_unknown_username_is_refused():
    refused(
        lambda: services.membership_create(
            actor=None, train=TrainFactory(), username="nobody", role="viewer"
        ),
        "user",
        "nobody",
    )


def test_the_last_rte_cannot_be_removed_or_demoted():
    user = UserFactory()
    train = services.train_create(actor=user, name="Solo ART")
    membership = Membership.objects.get(train=train, user=user)
    refused(
        lambda: services.membership_update(actor=user, membership=membership, role="viewer"), "role", "RTE"
    )
    refused(lambda: services.membership_delete(actor=user, membership=membership), "role", "RTE")


def test_pis_of_one_train_may_not_overlap():
    pi = PIFactory()
    refused(
        lambda: services.pi_create(
            actor=None, train=pi.train, name="Overlap", start_date=pi.end_date - dt.timedelta(days=3)
        ),
        "start_date",
        "may not overlap",
        pi.name,
    )
    # another train may use the same dates
    services.pi_create(actor=None, train=TrainFactory(), name="Elsewhere", start_date=pi.start_date)


def test_pi_end_date_must_leave_room_for_its_iterations():
    train = TrainFactory()
    refused(
        lambda: services.pi_create(
            actor=None,
            train=train,
            name="Short",
            start_date=dt.date(2031, 1, 6),
            end_date=dt.date(2031, 2, 1),
        ),
        "end_date",
        "2031-03-16",
    )
    refused(
        lambda: services.pi_create(
            actor=None, train=train, name="Many", start_date=dt.date(2031, 1, 6), iterations=40
        ),
        "iterations",
        "1 to 12",
    )
    assert not ProgramIncrement.objects.exists()


def test_iterations_lie_inside_their_pi_without_overlap():
    pi = PIFactory()
    refused(
        lambda: services.iteration_create(
            actor=None, pi=pi, start_date=pi.end_date, end_date=pi.end_date + dt.timedelta(days=5)
        ),
        "start_date",
        "inside its PI",
    )
    first = pi.iterations.get(number=1)
    refused(
        lambda: services.iteration_update(
            actor=None, iteration=first, end_date=first.end_date + dt.timedelta(days=3)
        ),
        "start_date",
        "may not overlap",
    )


def test_pi_dates_cannot_shrink_past_its_iterations():
    pi = PIFactory()
    refused(
        lambda: services.pi_update(actor=None, pi=pi, end_date=pi.end_date - dt.timedelta(days=7)),
        "end_date",
        "IP",
    )


def test_milestone_must_lie_inside_its_pi():
    pi = PIFactory()
    refused(
        lambda: services.milestone_create(
            actor=None, pi=pi, name="Go-live", date=pi.end_date + dt.timedelta(days=1)
        ),
        "date",
        "inside its PI",
    )


def test_absence_days_between_zero_and_the_iterations_workdays():
    pi = PIFactory()
    iteration = pi.iterations.first()
    member = TeamMemberFactory(team=TeamFactory(train=pi.train))
    refused(
        lambda: services.absence_create(actor=None, member=member, iteration=iteration, days=11),
        "days",
        "10 workdays",
    )
    refused(lambda: services.absence_create(actor=None, member=member, iteration=iteration, days=-1), "days")
    other = PIFactory(train=TrainFactory(), start_date=dt.date(2027, 1, 4))
    refused(
        lambda: services.absence_set(actor=None, member=member, iteration=other.iterations.first(), days=1),
        "iteration",
        "member's train",
    )


def test_feature_placement_must_stay_in_its_train_and_pi():
    pi = PIFactory()
    other_pi = PIFactory(train=pi.train, start_date=dt.date(2027, 1, 4))
    refused(
        lambda: services.feature_create(
            actor=None, train=pi.train, title="x", pi=pi, iteration=other_pi.iterations.first()
        ),
        "iteration",
        "feature's pi",
    )
    refused(
        lambda: services.feature_create(actor=None, train=pi.train, title="x", team=TeamFactory()),
        "team",
        "feature's train",
    )


def test_story_must_stay_in_its_train():
    team = TeamFactory()
    foreign_iteration = PIFactory().iterations.first()
    refused(
        lambda: services.story_create(actor=None, team=team, title="x", iteration=foreign_iteration),
        "iteration",
        "story's train",
    )


def test_train_time_zone_must_be_known():
    refused(
        lambda: services.train_create(actor=None, name="TZ", time_zone="Mars/Olympus"), "time_zone", "IANA"
    )


def test_the_ip_iteration_refuses_planned_feature_load_but_takes_ip_work():
    pi = PIFactory()
    team = TeamFactory(train=pi.train)
    ip = pi.iterations.get(is_ip=True)
    refused(
        lambda: services.feature_create(actor=None, train=pi.train, title="x", pi=pi, iteration=ip),
        "iteration",
        "IP iteration carries no planned feature load",
    )
    feature = services.feature_create(actor=None, train=pi.train, title="F", pi=pi, team=team)
    refused(
        lambda: services.story_create(actor=None, team=team, title="s", feature=feature, iteration=ip),
        "iteration",
        "IP iteration",
    )
    story = services.story_create(
        actor=None, team=team, title="s", feature=feature, iteration=pi.iterations.first()
    )
    refused(lambda: services.story_move(actor=None, story=story, iteration=ip), "iteration", "IP iteration")
    # innovation work without a feature may be placed in the IP iteration
    assert services.story_create(actor=None, team=team, title="Hackathon", iteration=ip).iteration == ip


def test_pi_dates_must_be_plausible_and_a_pi_lasts_at_most_26_weeks():
    train = TrainFactory()
    refused(
        lambda: services.pi_create(actor=None, train=train, name="Far", start_date=dt.date(9999, 12, 1)),
        "start_date",
        "out of range",
    )
    pi = services.pi_create(actor=None, train=train, name="PI", start_date=dt.date(2031, 1, 6))
    refused(lambda: services.pi_update(actor=None, pi=pi, end_date=dt.date(9999, 12, 31)), "end_date")
    refused(
        lambda: services.pi_update(actor=None, pi=pi, end_date=dt.date(2031, 12, 31)), "end_date", "26 weeks"
    )
    assert ProgramIncrement.objects.get(pk=pi.pk).end_date == dt.date(2031, 3, 16)
