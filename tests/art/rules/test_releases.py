"""Release notes and system demos as pure rules (art.rules.releases), on data worked by hand."""

import datetime as dt

from art.rules import releases
from art.rules.keys import FEATURE, card_key
from art.rules.releases import ReleaseItem


def done(day: int) -> dt.datetime:
    return dt.datetime(2026, 5, day, 12, tzinfo=dt.UTC)


def item(fid, kind, day, key=None, team="Alpha", points=3, title=None):
    return ReleaseItem(
        id=fid,
        key=card_key(FEATURE, fid, key),
        title=title or f"Feature {fid}",
        kind=kind,
        team=team,
        points=points,
        done_at=done(day),
    )


def test_groups_go_business_enabler_defect_each_in_the_order_finished():
    # given defect F-3 done 2 May, business F-1 done 4 May, business F-2 done 3 May, enabler
    # PAY-4 done 1 May
    items = [
        item(3, "defect", 2),
        item(1, "business", 4),
        item(2, "business", 3),
        item(4, "enabler", 1, key="PAY-4"),
    ]
    # when they are grouped
    groups = releases.release_groups(items)
    # then business first (F-2 before F-1: finished earlier), then enablers, then defects
    assert [(g.kind, [f.key for f in g.features]) for g in groups] == [
        ("business", ["F-2", "F-1"]),
        ("enabler", ["PAY-4"]),
        ("defect", ["F-3"]),
    ]
    assert [g.title for g in groups] == ["Business features", "Enablers", "Defects fixed"]


def test_empty_kinds_are_left_out_and_ties_go_by_id():
    groups = releases.release_groups([item(9, "defect", 5), item(7, "defect", 5)])
    assert [(g.kind, [f.id for f in g.features]) for g in groups] == [("defect", [7, 9])]
    assert releases.release_groups([]) == []


def test_a_group_adds_up_its_points_counting_none_as_zero():
    groups = releases.release_groups([item(1, "business", 1, points=5), item(2, "business", 2, points=None)])
    assert groups[0].points == 5


def test_markdown_shows_titles_as_typed():
    assert releases.markdown_text("Pay *now* [beta] <b>") == "Pay \\*now\\* \\[beta\\] \\<b\\>"
    assert releases.markdown_text("a_b `c` #1 | x\n  y") == "a\\_b \\`c\\` \\#1 \\| x y"
    assert releases.markdown_text("back\\slash & ~strike~") == "back\\\\slash \\& \\~strike\\~"


def test_the_markdown_document():
    groups = releases.release_groups(
        [
            item(1, "business", 2, title="Pay *now*", points=5),
            item(2, "defect", 3, key="BUG-9", team="", points=None, title="Fix [it]"),
        ]
    )
    text = releases.release_notes_markdown(title="Payments ART: PI 26.1", period="1 – 14 May", groups=groups)
    assert text == (
        "# Payments ART: PI 26.1\n\n1 – 14 May\n\n2 features finished.\n\n"
        "## Business features (1)\n\n- **F-1** Pay \\*now\\* (Alpha, 5 pts)\n\n"
        "## Defects fixed (1)\n\n- **BUG-9** Fix \\[it\\] (no team)\n"
    )


def test_the_markdown_of_an_empty_period_says_so():
    text = releases.release_notes_markdown(title="T", period="P", groups=[])
    assert text == "# T\n\nP\n\nNo feature was finished in this period.\n"


def test_a_download_name_is_safe():
    name = releases.safe_filename("Payments ART", "PI 26.1", "release-notes")
    assert name == "Payments-ART-PI-26.1-release-notes"
    assert releases.safe_filename('a"b/../c', "Ünïcode") == "a-b-..-c-n-code"
    assert releases.safe_filename("", "///") == "release-notes"


def test_a_demos_outcome_in_words():
    # 4 accepted, 1 not: "5 shown · 4 accepted · 1 not accepted"
    outcome = releases.demo_outcome(["accepted"] * 4 + ["not_accepted"])
    assert (outcome.shown, outcome.accepted, outcome.not_accepted, outcome.pending) == (5, 4, 1, 0)
    assert outcome.words == "5 shown · 4 accepted · 1 not accepted"
    assert releases.demo_outcome(["pending", "accepted"]).words == "2 shown · 1 accepted · 1 not decided"
    assert releases.demo_outcome([]).words == "nothing shown"


def test_the_ip_iteration_has_no_system_demo():
    assert releases.ip_iteration_refusal("IP").startswith("IP is the IP iteration")
