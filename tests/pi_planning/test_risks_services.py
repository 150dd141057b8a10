"""Risk services: every new risk un-ROAMed, the ROAM rules and their history."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from art.errors import ConflictError
from art.models import ChangeRecord
from pi_planning import services
from pi_planning.models import Risk
from tests.pi_planning.factories import RiskFactory

pytestmark = pytest.mark.django_db


def test_new_risks_start_unroamed(world):
    risk = services.risk_create(actor=world.member, train=world.train, pi=world.pi, title="Vendor late")
    assert (risk.roam, risk.roamed_at) == ("unroamed", None)


def test_mitigated_without_plan_is_refused_naming_the_rule_and_nothing_changes(world):
    risk = RiskFactory(pi=world.pi, train=world.train)
    with pytest.raises(ValidationError) as info:
        services.risk_roam(actor=world.rte, risk=risk, roam="mitigated", owner="Ana")
    assert info.value.message_dict == {"mitigation_plan": ["Mitigated needs a mitigation plan"]}
    with pytest.raises(ValidationError) as info:
        services.risk_roam(actor=world.rte, risk=risk, roam="owned")
    assert info.value.message_dict == {"owner": ["Owned needs an owner"]}
    risk.refresh_from_db()
    assert (risk.roam, risk.version) == ("unroamed", 1)


def test_each_roam_move_is_kept_in_history(world):
    risk = RiskFactory(pi=world.pi, train=world.train)
    risk = services.risk_roam(actor=world.rte, risk=risk, roam="owned", owner="Ana", version=1)
    risk = services.risk_roam(
        actor=world.member, risk=risk, roam="mitigated", mitigation_plan="Second vendor"
    )
    risk = services.risk_roam(actor=world.member, risk=risk, roam="resolved")
    moves = ChangeRecord.objects.filter(object_id=risk.pk, action="updated").order_by("at", "id")
    assert [m.changes["roam"] for m in moves] == [
        ["unroamed", "owned"],
        ["owned", "mitigated"],
        ["mitigated", "resolved"],
    ]
    assert [m.actor for m in moves] == [world.rte, world.member, world.member]
    with pytest.raises(ValidationError):
        services.risk_roam(actor=world.rte, risk=risk, roam="owned")


def test_risk_update_routes_roam_through_the_rules(world):
    risk = RiskFactory(pi=world.pi, train=world.train)
    with pytest.raises(ValidationError):
        services.risk_update(actor=None, risk=risk, roam="mitigated", owner="Ana")
    risk = services.risk_update(
        actor=None, risk=risk, roam="mitigated", owner="Ana", mitigation_plan="Plan B"
    )
    assert risk.roam == "mitigated"
    with pytest.raises(ConflictError):
        services.risk_update(actor=None, risk=risk, version=1, title="stale")


def test_database_refuses_a_mitigated_risk_without_plan(world):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Risk.objects.create(train=world.train, title="x", roam="mitigated", owner="Ana")
