"""Nothing lost on delete: a delete keeps a before-image of the object and of every row that goes
with it, each its own history entry; deleting a train leaves its whole history in place."""

from art import services
from art.models import ChangeRecord, Membership, Team, TeamMember
from pi_planning.models import Dependency
from tests.art.factories import MembershipFactory, PIFactory, TeamFactory, TeamMemberFactory, UserFactory
from tests.pi_planning.factories import DependencyFactory


def deleted(model, pk):
    return ChangeRecord.objects.filter(
        action="deleted", content_type__model=model._meta.model_name, object_id=pk
    ).first()


def test_deleting_a_team_records_each_row_that_goes_with_it(world):
    team = TeamFactory(train=world.train, name="Charlie")
    ana = TeamMemberFactory(team=team, name="Ana Lima")
    seat = MembershipFactory(user=UserFactory(), train=world.train, role=Membership.Role.MEMBER, team=team)
    team_id = team.pk
    services.team_delete(actor=world.rte, team=team)  # a deleted object's pk becomes None
    assert not Team.objects.filter(pk=team_id).exists()
    record = deleted(Team, team_id)
    assert record.actor == world.rte and record.changes["name"] == ["Charlie", None]
    member = deleted(TeamMember, ana.pk)
    assert member.changes["name"] == ["Ana Lima", None]
    assert member.changes["deleted_with"] == ["Charlie", None]
    assert member.actor == world.rte and member.train_id == world.train.pk
    assert Membership.objects.filter(pk=seat.pk).exists() or deleted(Membership, seat.pk) is not None


def test_deleting_a_train_keeps_its_history(db):
    pi = PIFactory(name="PI 26.1")
    train = pi.train
    rte = UserFactory()
    MembershipFactory(user=rte, train=train, role=Membership.Role.RTE)
    team = services.team_create(actor=rte, train=train, name="Alpha")
    dependency = DependencyFactory(pi=pi, requester_team=team, provider_team=TeamFactory(train=train))
    train_id, team_id, dependency_id, name = train.pk, team.pk, dependency.pk, train.name
    before = ChangeRecord.objects.filter(train_id=train_id).count()
    assert before >= 1
    services.train_delete(actor=rte, train=train)
    history = ChangeRecord.objects.filter(train_id=train_id)
    # what was there stays, and each row deleted has its before-image
    assert history.exclude(action="deleted").count() == before
    assert deleted(type(train), train_id).changes["name"][0] == name
    assert deleted(Team, team_id) is not None
    assert deleted(Dependency, dependency_id) is not None
    assert history.filter(action="deleted").count() >= 5  # train, PI, its iterations, teams, dependency


def test_the_cascade_costs_queries_per_kind_of_row_not_per_row(db, django_assert_max_num_queries):
    pi = PIFactory()
    team = TeamFactory(train=pi.train)
    for n in range(30):
        TeamMemberFactory(team=team, name=f"Person {n}")
    rte = UserFactory()
    MembershipFactory(user=rte, train=pi.train, role=Membership.Role.RTE)
    with django_assert_max_num_queries(40):
        services.team_delete(actor=rte, team=team)
    assert ChangeRecord.objects.filter(action="deleted", content_type__model="teammember").count() == 30
