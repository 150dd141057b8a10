"""factory_boy factories for the train's core."""

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from art.models import (
    Absence,
    Feature,
    FeatureTransition,
    Iteration,
    Membership,
    Milestone,
    ProgramIncrement,
    ReleaseTrain,
    Story,
    Team,
    TeamMember,
)
from art.services.pi import iteration_plan

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password(PASSWORD)


class TrainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReleaseTrain

    name = factory.Sequence(lambda n: f"Train {n}")
    slug = factory.Sequence(lambda n: f"train-{n}")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    train = factory.SubFactory(TrainFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class TeamMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamMember

    team = factory.SubFactory(TeamFactory)
    name = factory.Faker("name")
    fte = Decimal("1.00")
    delivering = True


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    train = factory.SubFactory(TrainFactory)
    role = Membership.Role.VIEWER
    team = None


class PIFactory(factory.django.DjangoModelFactory):
    """A PI of 4 two-week iterations and an IP iteration, starting on a Monday."""

    class Meta:
        model = ProgramIncrement
        skip_postgeneration_save = True

    train = factory.SubFactory(TrainFactory)
    name = factory.Sequence(lambda n: f"PI {n}")
    start_date = dt.date(2026, 1, 5)
    end_date = factory.LazyAttribute(lambda pi: pi.start_date + dt.timedelta(weeks=10) - dt.timedelta(days=1))

    @factory.post_generation
    def iterations(pi, create, extracted, **kwargs):
        if not create or extracted == 0:
            return
        count = extracted or 5
        weeks = kwargs.get("weeks", 2)
        Iteration.objects.bulk_create(
            Iteration(pi=pi, number=n, name=name, start_date=b, end_date=e, is_ip=ip)
            for n, name, b, e, ip in iteration_plan(pi.start_date, count, weeks)
        )


class IterationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Iteration

    pi = factory.SubFactory(PIFactory, iterations=0)
    number = factory.Sequence(lambda n: n + 1)
    name = factory.LazyAttribute(lambda i: f"Iteration {i.number}")
    start_date = factory.LazyAttribute(lambda i: i.pi.start_date + dt.timedelta(weeks=2 * (i.number - 1)))
    end_date = factory.LazyAttribute(lambda i: i.start_date + dt.timedelta(days=13))
    is_ip = False


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    pi = factory.SubFactory(PIFactory)
    name = factory.Sequence(lambda n: f"Milestone {n}")
    date = factory.LazyAttribute(lambda m: m.pi.start_date + dt.timedelta(days=10))


class AbsenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Absence

    member = factory.SubFactory(TeamMemberFactory)
    iteration = factory.SubFactory(IterationFactory)
    days = Decimal("1")


class FeatureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Feature

    train = factory.SubFactory(TrainFactory)
    title = factory.Sequence(lambda n: f"Feature {n}")
    kind = Feature.Kind.BUSINESS
    state = Feature.State.FUNNEL


class FeatureTransitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeatureTransition

    feature = factory.SubFactory(FeatureFactory)
    from_state = ""
    to_state = Feature.State.READY
    at = factory.Faker("date_time_this_year", tzinfo=dt.UTC)


class StoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Story

    team = factory.SubFactory(TeamFactory)
    train = factory.LazyAttribute(lambda s: s.team.train)
    title = factory.Sequence(lambda n: f"Story {n}")
    points = 3
