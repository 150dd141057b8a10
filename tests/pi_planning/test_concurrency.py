"""Two people saving the same dependency card at the same moment: one wins, the other gets a
conflict with the current card; nothing is silently overwritten. Runs on PostgreSQL (row
locks); on SQLite, writes are serialized by the database and the same outcome holds."""

import threading

import pytest
from django.db import connection, connections

from art.errors import ConflictError
from art.models import ChangeRecord, Membership
from pi_planning import services
from pi_planning.models import Dependency
from tests.art.factories import MembershipFactory, PIFactory, TeamFactory, UserFactory


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_updates_of_one_dependency_one_wins_one_conflicts():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent transactions on one row (set DATABASE_URL)")
    # given a dependency both teams look at, at version 1
    pi = PIFactory()
    requester, provider = TeamFactory(train=pi.train), TeamFactory(train=pi.train)
    dep = services.dependency_create(
        actor=None,
        pi=pi,
        requester_team=requester,
        provider_team=provider,
        needed_by=pi.iterations.get(number=3),
    )
    ana, ben = UserFactory(username="ana"), UserFactory(username="ben")
    for user in (ana, ben):  # both of the requesting team, whose need the card is
        MembershipFactory(user=user, train=pi.train, role=Membership.Role.MEMBER, team=requester)
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def save(user, changes):
        try:
            card = Dependency.objects.get(pk=dep.pk)  # both read version 1
            barrier.wait(timeout=10)
            outcomes[user.username] = services.dependency_update(
                actor=user, dependency=card, version=card.version, **changes
            )
        except ConflictError as exc:
            outcomes[user.username] = exc
        finally:
            connections.close_all()

    # when both save at once
    threads = [
        threading.Thread(target=save, args=(ana, {"owner": "Ana"})),
        threading.Thread(target=save, args=(ben, {"owner": "Ben", "description": "Needs the sandbox"})),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    # then exactly one succeeded and the other got a conflict carrying the winner's card
    conflicts = {name: o for name, o in outcomes.items() if isinstance(o, ConflictError)}
    wins = {name: o for name, o in outcomes.items() if isinstance(o, Dependency)}
    assert len(conflicts) == 1 and len(wins) == 1, outcomes
    (winner, won), (_loser, conflict) = next(iter(wins.items())), next(iter(conflicts.items()))
    assert conflict.current.version == 2 and conflict.current.owner == won.owner
    final = Dependency.objects.get(pk=dep.pk)
    assert final.version == 2 and final.owner == won.owner
    # and the history holds exactly the winner's change, by the winner
    updates = ChangeRecord.objects.filter(object_id=dep.pk, action="updated")
    assert [u.actor.username for u in updates] == [winner]


@pytest.mark.django_db(transaction=True)
def test_one_persons_identical_votes_at_once_make_one_vote_and_one_201():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent transactions (set DATABASE_URL)")
    from rest_framework.test import APIClient

    from pi_planning.models import Vote, VoteRound

    pi = PIFactory()
    voter = UserFactory(username="vera")
    MembershipFactory(user=voter, train=pi.train, role=Membership.Role.BUSINESS_OWNER)
    VoteRound.objects.create(pi=pi, team=None)
    barrier = threading.Barrier(10)
    codes: list[int] = []

    def vote():
        try:
            client = APIClient()
            client.force_authenticate(voter)
            barrier.wait(timeout=10)
            codes.append(client.post("/api/v1/votes/", {"pi": pi.pk, "score": 4}, format="json").status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=vote) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(codes) == [200] * 9 + [201]
    assert Vote.objects.filter(pi=pi, user=voter).count() == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_writers_twenty_increments_each_lose_nothing():
    """20 people each add 1 to a feature's points 20 times, read-modify-write with the version
    and a retry on conflict: the card ends 400 higher, with 400 changes in its history."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent transactions (set DATABASE_URL)")
    from art import services as core
    from art.models import Feature
    from tests.art.factories import FeatureFactory

    feature = FeatureFactory(points=0)
    rte = UserFactory(username="rita")
    MembershipFactory(user=rte, train=feature.train, role=Membership.Role.RTE)
    barrier = threading.Barrier(20)
    conflicts: list[int] = []

    def writer():
        try:
            barrier.wait(timeout=30)
            for _ in range(20):
                while True:
                    card = Feature.objects.get(pk=feature.pk)
                    try:
                        core.feature_update(
                            actor=rte, feature=card, version=card.version, points=card.points + 1
                        )
                        break
                    except ConflictError:
                        conflicts.append(1)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    final = Feature.objects.get(pk=feature.pk)
    assert final.points == 400
    assert (
        ChangeRecord.objects.filter(
            object_id=feature.pk, content_type__model="feature", action="updated"
        ).count()
        == 400
    )
    assert conflicts  # they did collide, and each collision was a conflict, not a lost update
