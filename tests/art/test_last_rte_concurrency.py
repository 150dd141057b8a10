"""Two RTEs demoting each other at the same moment: a train keeps at least one RTE. The guard
locks the train's row, so the second demotion sees the first and is refused. Runs on
PostgreSQL (row locks; set DATABASE_URL); on SQLite the writes are serialized anyway."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from art.models import Membership
from art.services import train as train_services
from tests.art.factories import MembershipFactory, TrainFactory, UserFactory

RTE = Membership.Role.RTE


def one_round(how: str) -> tuple[list[object], int]:
    """Two RTEs each step the other down at once; the outcomes and the RTEs left."""
    train = TrainFactory()
    ana, ben = UserFactory(), UserFactory()
    seats = {user.pk: MembershipFactory(user=user, train=train, role=RTE) for user in (ana, ben)}
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def step_down(actor, other):
        try:
            seat = Membership.objects.get(pk=seats[other.pk].pk)
            barrier.wait(timeout=10)
            if how == "demote":
                train_services.membership_update(actor=actor, membership=seat, role=Membership.Role.VIEWER)
            else:
                train_services.membership_delete(actor=actor, membership=seat)
            outcomes.append("ok")
        except ValidationError as exc:
            outcomes.append(exc.message_dict["role"][0])
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=step_down, args=(ana, ben)),
        threading.Thread(target=step_down, args=(ben, ana)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return outcomes, Membership.objects.filter(train=train, role=RTE).count()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("how", ["demote", "remove"])
def test_two_rtes_demoting_each_other_at_once_leave_one_rte(how):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent transactions (set DATABASE_URL)")
    for _round in range(5):
        outcomes, rtes_left = one_round(how)
        refusal = "a train needs at least one RTE: appoint another RTE first"
        assert sorted(outcomes, key=str) == [refusal, "ok"]
        assert rtes_left == 1
