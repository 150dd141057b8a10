"""Release notes of an iteration and a PI, and the PI's demos, on the train worked by hand in
tests/sync/demo_helpers.py."""

import datetime as dt

import pytest

from sync import services
from sync.selectors.demos import iteration_of_event, pi_demos
from sync.selectors.releases import release_notes

pytestmark = pytest.mark.django_db


def keys(notes):
    return [(g.kind, [f.title for f in g.features]) for g in notes.groups]


def test_the_release_notes_of_an_iteration(finished):
    # when the notes of Iteration 2 (Mon 19 Jan – Sun 1 Feb, Berlin) are read
    notes = release_notes(pi=finished.pi, iteration=finished.iteration(2))
    # then A (20 Jan), B once (finished, reopened and finished again on 30 Jan) and C (its last
    # evening, 23:30 in Berlin); not D (00:30 on 2 Feb, the day after), E (cancelled) nor F (last
    # done 3 Feb)
    assert keys(notes) == [("business", ["A"]), ("enabler", ["B"]), ("defect", ["C"])]
    assert notes.count == 3 and notes.points == 13
    assert (notes.start, notes.end) == (dt.date(2026, 1, 19), dt.date(2026, 2, 1))
    b = notes.groups[1].features[0]
    assert (b.key, b.team, b.points) == ("PAY-7", "Bravo", 8)
    c = notes.groups[2].features[0]
    assert (c.key, c.team, c.points) == (finished.features["C"].key, "", None)


def test_the_release_notes_of_the_pi(finished):
    notes = release_notes(pi=finished.pi)
    # every feature finished in the PI, E (cancelled) aside, in the order finished within its kind
    assert keys(notes) == [("business", ["A", "D", "F"]), ("enabler", ["B"]), ("defect", ["G", "C"])]
    assert notes.count == 6
    assert notes.iteration is None and notes.scope == "PI 26.1"
    assert notes.filename == "payments-PI-26.1-release-notes.md"
    assert notes.as_json()["groups"][0]["features"][0] == {
        "id": finished.features["A"].pk,
        "key": finished.features["A"].key,
        "title": "A",
        "team": "Alpha",
        "points": 5,
        "done_at": dt.datetime(2026, 1, 20, 10, tzinfo=dt.UTC),
    }


def test_the_iteration_after_gets_the_feature_finished_after_midnight(finished):
    notes = release_notes(pi=finished.pi, iteration=finished.iteration(3))
    assert keys(notes) == [("business", ["D", "F"])]
    assert release_notes(pi=finished.pi, iteration=finished.iteration(4)).groups == []


def test_the_pis_demos_with_what_finished_in_each_iteration(finished):
    services.system_demo_prepare(actor=finished.rte, iteration=finished.iteration(2))
    rows = pi_demos(pi=finished.pi)
    assert [(r.iteration.name, r.finished, r.demo is not None) for r in rows] == [
        ("Iteration 1", 1, False),
        ("Iteration 2", 3, True),
        ("Iteration 3", 2, False),
        ("Iteration 4", 0, False),
        ("IP", 0, False),
    ]
    assert rows[1].outcome.words == "3 shown · 0 accepted · 3 not decided"
    assert rows[-1].is_ip


def test_a_system_demo_event_falls_in_its_iteration(finished):
    event = services.event_create(
        actor=finished.rte,
        train=finished.train,
        pi=finished.pi,
        kind="system_demo",
        starts_at=dt.datetime(2026, 1, 30, 14, tzinfo=dt.UTC),
        ends_at=dt.datetime(2026, 1, 30, 15, tzinfo=dt.UTC),
    )
    assert iteration_of_event(event) == finished.iteration(2)
