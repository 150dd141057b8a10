"""Importing a Jira CSV export: the preview of a real-shaped export with odd rows, worked out by
hand; the import applying exactly the preview, atomically; a second import changing nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from art.models import ChangeRecord, Feature, FeatureTransition, Story
from art.rules import jira_import as jira
from art.rules import jira_plan
from art.selectors.imports import jira_import_preview
from art.services import imports
from tests.art.conftest import EXPORT

#: The fixture, row by row (the header is row 1), as worked out by hand.
EXPECTED = {
    2: ("PAY-100", "create", ""),  # Epic, In Progress → business feature in progress, team Checkout
    3: ("PAY-101", "create", ""),  # Epic, To Do → funnel, team Payments
    4: ("PAY-102", "create", ""),  # Enabler, two-line summary → enabler, ready, 8 points
    5: ("PAY-110", "create", ""),  # Story under PAY-100 by its Issue id; two Sprint columns → Sprint 2
    6: ("PAY-111", "create", ""),  # In Review → story in progress; no points
    7: ("PAY-112", "create", ""),  # Task, points "three" → without points, a warning
    8: ("PAY-113", "skip", "status “QA Testing” is not mapped to a story state"),
    9: ("PAY-111", "skip", "duplicate key: row 6 has PAY-111 too"),
    10: ("PAY-120", "create", ""),  # Epic Link PAY-1: not in the file, in the train
    11: ("PAY-130", "create", ""),  # a Bug without a parent → a defect feature
    12: ("PAY-131", "skip", "unknown issue type “Sub-task”"),
    13: ("PAY-140", "skip", "unknown parent and no team"),
    14: ("PAY-141", "create", ""),  # unknown parent but a team → a story without a feature
    15: ("PAY-142", "skip", "no summary"),
    16: ("PAY-20", "update", ""),  # the train's story, To Do → Done
    17: ("PAY-143", "create", ""),  # team "Mobile" unmapped → takes its feature's team, Checkout
}


def preview_of(w, actor=None, data=EXPORT, mapping=None):
    return jira_import_preview(actor=actor or w.rte, train=w.train, pi=w.pi, data=data, mapping=mapping)


def test_the_preview_says_row_by_row_what_will_happen(jira_world):
    w = jira_world
    preview = preview_of(w)
    got = {r.row: (r.key, r.action, r.reason) for r in preview.plan.rows}
    assert set(got) == set(EXPECTED)
    for number, (key, action, reason) in EXPECTED.items():
        assert got[number][:2] == (key, action), number
        assert reason in got[number][2], (number, got[number][2])
    assert preview.counts == {"create": 10, "update": 1, "unchanged": 0, "skip": 5, "warnings": 3}
    rows = {r.row: r for r in preview.plan.rows}
    assert rows[4].title == "Secure 3-D challenge flow"
    assert rows[4].values == {
        "title": "Secure 3-D challenge flow",
        "kind": "enabler",
        "state": "ready",
        "points": 8,
        "team": w.payments.pk,
        "pi": w.pi.pk,
    }
    assert rows[5].values["iteration"] == w.pi.iterations.get(number=2).pk  # the last of its sprints
    assert rows[5].values["feature"] == "PAY-100"
    assert rows[7].warnings == ["points “three” are not a number: imported without points"]
    assert rows[10].values["feature"] == "PAY-1" and rows[10].values["team"] == w.payments.pk
    assert rows[11].values["kind"] == "defect"
    assert rows[14].warnings == [
        "its parent PAY-999 is neither in the file nor in the train: imported without a feature"
    ]
    assert rows[16].changes == {"state": ["todo", "done"]}
    assert rows[17].values["team"] == w.checkout.pk
    assert preview.mapping.teams == {"Checkout": w.checkout.pk, "Payments": w.payments.pk, "Mobile": None}


def test_the_preview_writes_nothing_and_its_queries_do_not_grow_with_rows(jira_world):
    w = jira_world
    before = (Feature.objects.count(), Story.objects.count(), ChangeRecord.objects.count())
    with CaptureQueriesContext(connection) as small:
        preview_of(w)
    header = EXPORT.decode("utf-8-sig").splitlines()[0]
    rows = [f"Story {n},PAY-{5000 + n},,Story,To Do,,,,,,,Checkout,,,PAY-1," for n in range(300)]
    big = "\r\n".join([header, *rows])
    with CaptureQueriesContext(connection) as large:
        preview = preview_of(w, data=big.encode())
    assert preview.counts["create"] == 300
    assert len(large) <= len(small) <= 8
    assert (Feature.objects.count(), Story.objects.count(), ChangeRecord.objects.count()) == before


def test_the_import_applies_exactly_the_preview_and_a_second_run_changes_nothing(jira_world):
    w = jira_world
    preview = preview_of(w)
    result = imports.jira_import_apply(
        actor=w.rte, train=w.train, pi=w.pi, data=EXPORT, digest=preview.digest
    )
    assert sorted(result.cards) == sorted(n for n, (_, action, _) in EXPECTED.items() if action != "skip")
    epic = Feature.objects.get(train=w.train, external_key="PAY-100")
    assert (epic.state, epic.kind, epic.team, epic.pi) == ("in_progress", "business", w.checkout, w.pi)
    assert Feature.objects.get(external_key="PAY-130").kind == "defect"
    story = Story.objects.get(train=w.train, external_key="PAY-110")
    assert (story.feature, story.team, story.iteration.number, story.points, story.state) == (
        epic,
        w.checkout,
        2,
        5,
        "done",
    )
    assert Story.objects.get(external_key="PAY-112").points is None
    assert Story.objects.get(external_key="PAY-120").feature == w.fraud
    assert Story.objects.get(external_key="PAY-141").feature is None
    w.existing.refresh_from_db()
    assert w.existing.state == "done"
    assert not Story.objects.filter(external_key__in=["PAY-113", "PAY-131", "PAY-140", "PAY-142"]).exists()
    assert Story.objects.get(external_key="PAY-111").title == "Address autocomplete"  # the first row won
    # once more: every row unchanged, nothing written, no history
    history = ChangeRecord.objects.count(), FeatureTransition.objects.count()
    again = imports.jira_import_apply(actor=w.rte, train=w.train, pi=w.pi, data=EXPORT)
    assert again.counts == {"create": 0, "update": 0, "unchanged": 11, "skip": 5, "warnings": 3}
    assert again.cards == {}
    assert (ChangeRecord.objects.count(), FeatureTransition.objects.count()) == history


def test_a_state_change_on_update_goes_through_the_features_transitions(jira_world):
    w = jira_world
    imports.jira_import_apply(actor=w.rte, train=w.train, pi=w.pi, data=EXPORT)
    epic = Feature.objects.get(external_key="PAY-100")
    moved = EXPORT.replace(b"PAY-100,10100,Epic,In Progress", b"PAY-100,10100,Epic,Done")
    preview = preview_of(w, data=moved)
    assert {r.key: r.changes for r in preview.plan.rows if r.action == "update"} == {
        "PAY-100": {"state": ["in_progress", "done"]}
    }
    imports.jira_import_apply(actor=w.rte, train=w.train, pi=w.pi, data=moved)
    last = FeatureTransition.objects.filter(feature=epic).latest("id")
    assert (last.from_state, last.to_state, last.reason) == ("in_progress", "done", imports.IMPORT_REASON)


def test_a_stale_preview_writes_nothing(jira_world):
    w = jira_world
    preview = preview_of(w)
    Story.objects.filter(pk=w.existing.pk).update(title="Renamed meanwhile", version=9)
    counts = Feature.objects.count(), Story.objects.count(), ChangeRecord.objects.count()
    with pytest.raises(imports.PreviewChanged) as refused:
        imports.jira_import_apply(actor=w.rte, train=w.train, pi=w.pi, data=EXPORT, digest=preview.digest)
    assert refused.value.preview.digest != preview.digest
    assert (Feature.objects.count(), Story.objects.count(), ChangeRecord.objects.count()) == counts


def test_a_row_refused_while_saving_rolls_everything_back(jira_world, monkeypatch):
    w = jira_world
    real = imports.story_create

    def refuse_one(**kwargs):
        if kwargs.get("external_key") == "PAY-141":
            raise ValidationError({"title": "refused for the test"})
        return real(**kwargs)

    monkeypatch.setattr(imports, "story_create", refuse_one)
    counts = Feature.objects.count(), Story.objects.count(), ChangeRecord.objects.count()
    with pytest.raises(ValidationError) as refused:
        imports.jira_import_apply(actor=w.rte, train=w.train, pi=w.pi, data=EXPORT)
    assert refused.value.message_dict["file"] == [
        "row 14 (PAY-141) was refused, so nothing was imported: title: refused for the test"
    ]
    assert (Feature.objects.count(), Story.objects.count(), ChangeRecord.objects.count()) == counts
    w.existing.refresh_from_db()
    assert w.existing.state == "todo"


def test_product_management_imports_features_and_the_stories_are_skipped_for_them(jira_world):
    w = jira_world
    preview = preview_of(w, actor=w.product)
    actions = {r.row: r.action for r in preview.plan.rows}
    assert [n for n, a in actions.items() if a == "create"] == [2, 3, 4, 11]
    assert "you may not change Checkout's stories" in next(r.reason for r in preview.plan.rows if r.row == 5)
    imports.jira_import_apply(actor=w.product, train=w.train, pi=w.pi, data=EXPORT)
    assert Feature.objects.filter(train=w.train, external_key__startswith="PAY-1").count() == 5
    assert not Story.objects.filter(external_key="PAY-110").exists()


def test_the_mapping_overrides_the_defaults_and_bad_choices_name_the_field(jira_world):
    w = jira_world
    mapping = {"statuses": {"QA Testing": {"story": "in_progress"}}, "teams": {"Mobile": w.payments.pk}}
    rows = {r.row: r for r in preview_of(w, mapping=mapping).plan.rows}
    assert rows[8].action == "create" and rows[8].values["state"] == "in_progress"
    assert rows[17].values["team"] == w.payments.pk
    with pytest.raises(ValidationError) as refused:
        preview_of(w, mapping={"statuses": {"Done": {"feature": "shipped"}}, "sprints": {"Sprint 1": 999999}})
    messages = refused.value.message_dict["mapping"]
    assert any("'shipped' is not a feature state" in m for m in messages)
    assert any("999999 is not the id of an iteration of the PI" in m for m in messages)


def test_a_closed_pi_is_refused(jira_world):
    w = jira_world
    w.pi.state = "closed"
    w.pi.save()
    with pytest.raises(ValidationError) as refused:
        preview_of(w)
    assert "closed" in refused.value.message_dict["pi"][0]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not UTF-8 text"),
        (b"PAY-1,Epic,Done\nPAY-2,Story,To Do\n", "Summary, Issue key, Issue Type, Status"),
        (("x," * 10_000).encode(), "columns; a Jira export has at most 1,000"),
        (b"Summary,Issue key,Issue Type,Status\nA\x00,PAY-1,Epic,Done\n", "NUL"),
    ],
    ids=["empty", "binary", "no header", "10,000 columns", "nul"],
)
def test_a_file_that_is_not_a_jira_export_is_refused_in_words(data, words):
    with pytest.raises(jira.ExportError) as refused:
        jira.read_export(data, max_bytes=5_000_000, max_rows=5000)
    assert words in str(refused.value)


def test_the_limits_name_themselves():
    header = b"Summary,Issue key,Issue Type,Status\n"
    with pytest.raises(jira.ExportError) as too_big:
        jira.read_export(header + b"a,PAY-1,Epic,Done\n" * 100, max_bytes=1000, max_rows=5000)
    assert too_big.value.too_large and "larger than 1 KB" in str(too_big.value)
    with pytest.raises(jira.ExportError) as too_many:
        jira.read_export(header + b"a,PAY-1,Epic,Done\n" * 11, max_bytes=5_000_000, max_rows=10)
    assert too_many.value.too_large and "more than 10 rows" in str(too_many.value)


SPRINTS = ["Sprint 10", "Sprint 2", "Iteration 1", "Sprint 3", "Sprint 4"]


def test_sprints_map_by_name_then_in_order_onto_development_iterations():
    export = jira.Export(
        rows=tuple(
            jira.Row(n, f"K-{n}", "", "Story", "To Do", "s", "", sprint, "", (), "")
            for n, sprint in enumerate(SPRINTS, start=2)
        ),
        columns=(),
    )
    iterations = [jira.Ref(10 + n, f"Iteration {n}", n, n == 4) for n in range(1, 5)]  # 4 is the IP
    mapping = jira.default_mapping(export, iterations=iterations, teams=[])
    assert mapping.sprints == {
        "Iteration 1": 11,
        "Sprint 2": 12,
        "Sprint 3": 13,
        "Sprint 4": None,
        "Sprint 10": None,
    }
    assert jira_plan.parse_points("5.0", 100) == (5, True, "")
    assert jira_plan.parse_points("2.5", 100)[:2] == (None, False)
