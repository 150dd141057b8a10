"""art/rules/risks.py: which ROAM moves are allowed, and the words of a refused one.

Pure functions, no database."""

import pytest

from art import rules


@pytest.mark.parametrize(
    ("current", "target"),
    [("unroamed", t) for t in ("resolved", "owned", "accepted", "mitigated")]
    + [
        (a, b)
        for a in ("owned", "accepted", "mitigated")
        for b in ("owned", "accepted", "mitigated")
        if a != b
    ]
    + [(a, "resolved") for a in ("owned", "accepted", "mitigated")],
)
def test_allowed_roam_moves(current, target):
    assert rules.risks.roam_refusal(current, target, owner="Ana", mitigation_plan="Pair with vendor") is None


@pytest.mark.parametrize(
    ("current", "target", "message"),
    [
        ("owned", "unroamed", "cannot go back"),
        ("resolved", "owned", "stays resolved"),
        ("resolved", "unroamed", "cannot go back"),
        ("unroamed", "owned", "Owned needs an owner"),
        ("accepted", "mitigated", "Mitigated needs an owner"),
        ("unroamed", "sideways", "roam must be one of"),
    ],
)
def test_refused_roam_moves(current, target, message):
    assert message in rules.risks.roam_refusal(current, target)


def test_mitigated_needs_a_plan_as_well_as_an_owner():
    assert rules.risks.roam_refusal("owned", "mitigated", owner="Ana") == "Mitigated needs a mitigation plan"
