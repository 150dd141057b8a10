"""art/rules/votes.py: the confidence vote's average, result and concerns, on votes worked by hand
(docs/domain.md).

Pure functions, no database."""

from art import rules


def test_confidence_domain_example():
    c = rules.votes.confidence([5, 4, 3, 3, 2, 4])
    # 21 / 6 = 3.5 ≥ 3: accepted; one vote of 2: one concern
    assert (c.votes, c.average, c.result, c.concerns) == (6, 3.5, "accepted", 1)
    assert c.distribution == {1: 0, 2: 1, 3: 2, 4: 2, 5: 1}


def test_confidence_at_the_boundary():
    assert rules.votes.confidence([3, 3, 3]).result == "accepted"  # exactly 3.0
    assert rules.votes.confidence([4, 2]).result == "accepted"  # 3.0
    # 2.99..: (3 × 99 + 2) / 100 = 2.99 → rework, although the 2-decimal average shows 2.99
    assert rules.votes.confidence([3] * 99 + [2]).result == "rework"
    # 8 / 3 = 2.67
    c = rules.votes.confidence([1, 2, 5])
    assert (c.average, c.result, c.concerns) == (2.67, "rework", 2)


def test_confidence_without_votes():
    c = rules.votes.confidence([])
    assert (c.votes, c.average, c.result) == (0, None, None)
