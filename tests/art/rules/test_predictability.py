"""art/rules/predictability.py: business value delivered against business value planned, per
team and for the train, on objectives worked by hand.

Pure functions, no database."""

from art import rules
from art.rules.predictability import ObjectiveScore


def obj(team, committed, planned, actual):
    return ObjectiveScore(team_id=team, committed=committed, planned_bv=planned, actual_bv=actual)


DOMAIN_TEAM = [obj(1, True, 8, 8), obj(1, True, 5, 3), obj(1, True, 2, 2), obj(1, False, 3, 3)]


def test_predictability_domain_example_over_100_percent_is_not_capped():
    # planned (committed only) 8 + 5 + 2 = 15; actual (all) 8 + 3 + 2 + 3 = 16 → 106.666… → 106.67.
    result = rules.predictability.predictability(DOMAIN_TEAM)
    assert result == rules.predictability.PredictabilityResult(
        planned=15, actual=16, percent=106.67, status="ok", unscored=0
    )


def test_predictability_na_without_committed_planned_value():
    # Only uncommitted objectives: nothing to divide by.
    result = rules.predictability.predictability([obj(1, False, 5, 5)])
    assert (result.planned, result.actual, result.percent, result.status) == (0, 5, None, "n/a")
    assert rules.predictability.predictability([]).status == "n/a"


def test_predictability_not_scored_is_not_zero():
    # Committed 8 scored 8, committed 5 not scored yet: withheld, not 8/13 = 61.54 %.
    result = rules.predictability.predictability([obj(1, True, 8, 8), obj(1, True, 5, None)])
    assert result == rules.predictability.PredictabilityResult(
        planned=13, actual=8, percent=None, status="not scored", unscored=1
    )
    # An unscored stretch objective also withholds it (it would add to the actual).
    assert (
        rules.predictability.predictability([obj(1, True, 8, 8), obj(1, False, 3, None)]).status
        == "not scored"
    )
    # A committed objective without planned BV is not fully scored either.
    assert (
        rules.predictability.predictability([obj(1, True, 8, 8), obj(1, True, None, 4)]).status
        == "not scored"
    )
    # Actual 0 is a score: 0 / 8 = 0 %.
    assert rules.predictability.predictability(
        [obj(1, True, 8, 0)]
    ) == rules.predictability.PredictabilityResult(8, 0, 0, "ok", 0)


def test_train_predictability_is_a_sum_not_a_mean():
    # Team 1: 8 / 10 = 80 %. Team 2: 4 / 2 = 200 %. Mean would be 140 %;
    # train = (8 + 4) / (10 + 2) = 12 / 12 = 100 %.
    objectives = [obj(1, True, 10, 8), obj(2, True, 2, 4)]
    result = rules.predictability.train_predictability(objectives)
    assert result.teams[1].percent == 80
    assert result.teams[2].percent == 200
    assert result.train == rules.predictability.PredictabilityResult(12, 12, 100, "ok", 0)


def test_train_predictability_counts_an_na_teams_actual_and_is_not_scored_while_any_team_is():
    # Team 3 has only a stretch objective 3 → 3: n/a itself, but its actual counts for the train:
    # (8 + 4 + 3) / 12 = 125 %.
    objectives = [obj(1, True, 10, 8), obj(2, True, 2, 4), obj(3, False, 3, 3)]
    result = rules.predictability.train_predictability(objectives)
    assert result.teams[3].status == "n/a"
    assert result.train.percent == 125
    # Team 4 still waiting for its scores: the train is not scored, the other teams still are.
    result = rules.predictability.train_predictability([*objectives, obj(4, True, 5, None)])
    assert result.train.status == "not scored"
    assert result.train.percent is None
    assert result.teams[1].percent == 80
    assert list(result.teams) == [1, 2, 3, 4]
