import factory

from pi_planning.models import Dependency, Objective, Risk, Vote, VoteRound
from tests.art.factories import PIFactory, TeamFactory, UserFactory


class DependencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dependency

    pi = factory.SubFactory(PIFactory)
    requester_team = factory.SubFactory(TeamFactory, train=factory.SelfAttribute("..pi.train"))
    provider_team = factory.SubFactory(TeamFactory, train=factory.SelfAttribute("..pi.train"))
    needed_by = factory.LazyAttribute(lambda d: d.pi.iterations.order_by("number")[2])
    title = factory.Sequence(lambda n: f"Dependency {n}")


class ObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Objective

    pi = factory.SubFactory(PIFactory)
    team = factory.SubFactory(TeamFactory, train=factory.SelfAttribute("..pi.train"))
    title = factory.Sequence(lambda n: f"Objective {n}")
    committed = True
    planned_bv = 5


class RiskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Risk

    pi = factory.SubFactory(PIFactory)
    train = factory.SelfAttribute("pi.train")
    title = factory.Sequence(lambda n: f"Risk {n}")


class VoteRoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VoteRound

    pi = factory.SubFactory(PIFactory)
    team = None


class VoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vote

    pi = factory.SubFactory(PIFactory)
    user = factory.SubFactory(UserFactory)
    score = 4
