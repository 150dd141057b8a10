"""The ART Kanban's rules (art.rules.kanban), with figures worked by hand."""

import datetime as dt

import pytest

from art.rules import kanban as K


def test_a_set_of_limits_is_a_whole_number_from_1_to_1000_per_limitable_column():
    assert K.wip_limits_errors({"in_progress": 8, "review": None, "funnel": 1, "ready": 1000}) == {}
    errors = K.wip_limits_errors(
        {"in_progress": 0, "review": 1001, "blocked": "8", "ready": True, "done": 5, "awaiting_deploy": 2.5}
    )
    assert errors == {
        "in_progress": "the WIP limit of In progress must be a whole number from 1 to 1000",
        "review": "the WIP limit of Review must be a whole number from 1 to 1000",
        "blocked": "the WIP limit of Blocked must be a whole number from 1 to 1000",
        "ready": "the WIP limit of Ready must be a whole number from 1 to 1000",
        "done": "'done' is not a column that takes a WIP limit: one of funnel, analyzing, ready, "
        "in_progress, review, blocked, awaiting_deploy",
        "awaiting_deploy": "the WIP limit of Awaiting deploy must be a whole number from 1 to 1000",
    }
    assert K.wip_limits_errors([8]) == {
        "wip_limits": 'wip_limits must be an object such as {"in_progress": 8}'
    }


def test_limits_are_stored_in_column_order_without_nulls():
    assert K.wip_limits_clean({"review": 3, "in_progress": 8, "ready": None}) == {
        "in_progress": 8,
        "review": 3,
    }
    assert list(K.wip_limits_clean({"review": 3, "funnel": 20})) == ["funnel", "review"]


def test_policies_are_short_text_per_column():
    assert K.policies_errors({"review": "Code reviewed,\ntests green", "done": "Released"}) == {}
    errors = K.policies_errors({"review": "x" * 281, "ready": "a\x00b", "nowhere": "x", "blocked": 3})
    assert errors["review"] == "the policy of Review may hold at most 280 characters (281 given)"
    assert errors["ready"] == "the policy of Ready may not hold control characters (such as NUL)"
    assert errors["nowhere"].startswith("'nowhere' is not a column: one of funnel, analyzing")
    assert errors["blocked"] == "the policy of Blocked must be text"
    assert K.policies_clean({"review": "  Code reviewed ", "ready": "", "done": None}) == {
        "review": "Code reviewed"
    }


@pytest.mark.parametrize(
    ("count", "limit", "over"), [(3, 2, True), (2, 2, False), (0, 1, False), (50, None, False)]
)
def test_a_column_is_over_its_limit_when_it_holds_more_than_the_limit(count, limit, over):
    assert K.over_limit(count, limit) is over


def test_a_move_into_a_column_at_its_limit_breaches_it():
    # In progress holds 2 of 3: the move makes 3, full but not over.
    assert K.move_breaches(from_state="ready", to_state="in_progress", column_count=2, column_limit=3) == []
    # It holds 3 of 3: the move makes 4.
    (breach,) = K.move_breaches(from_state="ready", to_state="in_progress", column_count=3, column_limit=3)
    assert (breach.scope, breach.state, breach.count, breach.limit) == ("column", "in_progress", 4, 3)
    assert breach.words == "In progress is at its WIP limit of 3"
    # It already holds 5 of 3 (the limit was lowered).
    (breach,) = K.move_breaches(from_state="ready", to_state="in_progress", column_count=5, column_limit=3)
    assert breach.words == "In progress already holds 5, over its WIP limit of 3"
    assert K.reason_needed([breach]) == (
        "In progress already holds 5, over its WIP limit of 3: give a reason to go over it"
    )


def test_a_team_lane_limit_counts_the_team_features_in_flow():
    # Ledger has 2 features in flow, its lane limit is 2: pulling one from analyzing into ready
    # enters the flow and goes over; moving within the flow does not change the lane's count.
    (breach,) = K.move_breaches(
        from_state="analyzing",
        to_state="ready",
        column_count=0,
        column_limit=None,
        lane_count=2,
        lane_limit=2,
        team="Ledger",
    )
    assert (breach.scope, breach.count, breach.limit) == ("lane", 3, 2)
    assert breach.words == "Ledger's lane is at its WIP limit of 2 features in flow"
    assert (
        K.move_breaches(
            from_state="ready",
            to_state="in_progress",
            column_count=0,
            column_limit=None,
            lane_count=5,
            lane_limit=2,
        )
        == []
    )
    both = K.move_breaches(
        from_state="funnel",
        to_state="ready",
        column_count=4,
        column_limit=4,
        lane_count=2,
        lane_limit=2,
        team="L",
    )
    assert [b.scope for b in both] == ["column", "lane"]


def test_team_members_move_their_features_among_the_four_delivery_states_only():
    assert K.team_move_refusal("in_progress", "review") == ""
    assert K.team_move_refusal("blocked", "awaiting_deploy") == ""
    assert K.team_move_refusal("ready", "in_progress") == (
        "Team members move their own team's features among In progress, Review, Blocked and Awaiting deploy "
        "only: moving from Ready to In progress is for product management and the RTE."
    )
    assert K.team_move_refusal("awaiting_deploy", "done").startswith("Team members move")
    assert K.team_move_targets("review") == ("in_progress", "blocked", "awaiting_deploy")
    assert K.team_move_targets("funnel") == ()


def test_the_aging_threshold_is_the_85th_percentile_flow_time_by_nearest_rank():
    # domain.md: for 1, 2, 2, 3, 3, 4, 5, 6, 8, 13 the 85th is the ⌈8.5⌉ = 9th smallest, 8.
    threshold = K.aging_threshold([13, 1, 2, 2, 3, 3, 4, 5, 6, 8])
    assert threshold == 8
    assert K.is_aging("in_progress", 9.0, threshold) is True
    assert K.is_aging("blocked", 8.01, threshold) is True
    assert K.is_aging("review", 8.0, threshold) is False  # exceeds, not reaches
    assert K.is_aging("analyzing", 40.0, threshold) is False  # not in flow
    assert K.is_aging("in_progress", 40.0, None) is False  # nothing finished: no threshold
    assert K.aging_threshold([]) is None


def test_elapsed_days_and_the_done_window():
    now = dt.datetime(2026, 5, 20, 12, tzinfo=dt.UTC)
    assert K.elapsed_days(now - dt.timedelta(days=3, hours=6), now) == 3.25
    assert K.elapsed_days(None, now) is None
    assert K.done_cutoff(now) == dt.datetime(2026, 5, 6, 12, tzinfo=dt.UTC)


def test_a_reason_is_one_line_of_at_most_500_characters():
    assert K.reason_refusal("Expedite: regulator deadline") == ""
    assert K.reason_refusal("x" * 501) == "reason may hold at most 500 characters (501 given)"
    assert K.reason_refusal("a\nb") == "reason must be one line: line breaks are not allowed"
    assert K.reason_refusal("a\x00b") == "reason may not hold control characters (such as NUL)"
