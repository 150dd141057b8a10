"""art/rules/quality.py: the defect escape rate, on counts worked by hand.

Pure functions, no database."""

from art import rules


def test_defect_escape_rate():
    # 2 of 8 found after release → 25 %.
    assert rules.quality.defect_escape_rate(
        [True, False, False, True, False, False, False, False]
    ) == rules.quality.EscapeRate(8, 2, 25)
    assert rules.quality.defect_escape_rate([True, False, False]).percent == 33.33  # 1/3
    assert rules.quality.defect_escape_rate([]) == rules.quality.EscapeRate(0, 0, None)
