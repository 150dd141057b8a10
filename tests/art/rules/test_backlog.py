"""art/rules/backlog.py: WSJF on the worked example of docs/domain.md.

Pure functions, no database."""

from art import rules


def test_wsjf_domain_example():
    assert rules.backlog.wsjf(3, 5, 1, 3) == 3.0
    assert round(rules.backlog.wsjf(8, 2, 2, 5), 2) == 2.4
    assert rules.backlog.wsjf(1, 1, 8, 2) == 5.0
