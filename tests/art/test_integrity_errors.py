"""A write the database refuses answers in words, on the field the broken constraint concerns,
and never with the database's own text (which goes to the log).

Validation is switched off here so that the database itself refuses, as it does when another
writer saved between validation and save. The same tests run on PostgreSQL when DATABASE_URL is
set: there the constraint is found by its name, on SQLite checks by name and unique violations by
their columns."""

import datetime as dt
import logging

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, connection

from art.models import ProgramIncrement, ReleaseTrain, Story, Team
from art.services import common
from art.services.common import CONCURRENT_CHANGE, integrity_error_message, save_validated, update_fields
from pi_planning.models import Objective
from tests.art.factories import PIFactory, StoryFactory, TeamFactory, TrainFactory
from tests.pi_planning.factories import ObjectiveFactory

pytestmark = pytest.mark.django_db

# What the database says and a person should never read: table names, SQL words, its phrasing.
DATABASE_WORDS = ("art_", "pi_planning_", "constraint failed", "violates", "DETAIL", "Key (", "SQL", "INSERT")


@pytest.fixture
def database_decides(monkeypatch):
    """No validation before the write: the database is the one to refuse."""
    monkeypatch.setattr(common, "validate", lambda obj, exclude=None: None)


def refused(fn) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as info:
        fn()
    errors = info.value.message_dict
    for messages in errors.values():
        for message in messages:
            assert not any(word in message for word in DATABASE_WORDS), message
    return errors


def test_a_unique_field(database_decides, caplog):
    TrainFactory(name="Payments ART", slug="payments")
    with caplog.at_level(logging.WARNING, logger="art.services.common"):
        errors = refused(lambda: save_validated(ReleaseTrain(name="Payments ART", slug="payments-2")))
    assert errors == {"name": ["name must be unique: another release train already has this value"]}
    # The operators still get the database's words.
    assert any(
        r.levelno == logging.WARNING and "art_releasetrain" in r.getMessage() for r in caplog.records
    ), caplog.text


def test_a_unique_constraint_on_create_and_on_update(database_decides):
    alpha = TeamFactory(name="Alpha")
    errors = refused(lambda: save_validated(Team(train=alpha.train, name="Alpha")))
    assert errors == {"name": ["name must be unique within the train: another team has it"]}

    bravo = TeamFactory(train=alpha.train, name="Bravo")
    errors = refused(
        lambda: update_fields(actor=None, queryset=Team.objects.all(), pk=bravo.pk, changes={"name": "Alpha"})
    )
    assert errors == {"name": ["name must be unique within the train: another team has it"]}
    bravo.refresh_from_db()
    assert bravo.name == "Bravo"


def test_a_check_constraint_with_its_own_message(database_decides):
    objective = ObjectiveFactory(planned_bv=5)
    errors = refused(
        lambda: update_fields(
            actor=None, queryset=Objective.objects.all(), pk=objective.pk, changes={"planned_bv": 11}
        )
    )
    assert errors == {"planned_bv": ["planned_bv must be between 1 and 10"]}


def test_a_check_constraint_without_a_message_is_named_in_words(database_decides):
    story = StoryFactory(points=5)
    errors = refused(
        lambda: update_fields(actor=None, queryset=Story.objects.all(), pk=story.pk, changes={"points": 101})
    )
    assert errors == {"points": ["the change breaks the rule “story points max 100”"]}


def test_a_check_constraint_on_two_fields_concerns_the_whole_object(database_decides):
    train = TrainFactory()
    start = dt.date(2026, 1, 5)
    pi = ProgramIncrement(
        train=train, name="Backwards", start_date=start, end_date=start - dt.timedelta(days=1)
    )
    errors = refused(lambda: save_validated(pi))
    assert errors == {NON_FIELD_ERRORS: ["the change breaks the rule “pi ends after it starts”"]}


def test_an_overlap_refused_by_the_database_on_postgresql(database_decides):
    if connection.vendor != "postgresql":
        pytest.skip("the exclusion constraints exist on PostgreSQL only")
    pi = PIFactory(iterations=0)
    overlapping = ProgramIncrement(
        train=pi.train, name="Overlap", start_date=pi.end_date, end_date=pi.end_date + dt.timedelta(days=30)
    )
    errors = refused(lambda: save_validated(overlapping))
    assert errors == {"start_date": ["PIs of one train may not overlap"]}


def test_a_refusal_that_names_no_known_constraint_says_so_in_words(caplog):
    with caplog.at_level(logging.WARNING, logger="art.services.common"):
        error = integrity_error_message(Team, IntegrityError("NOT NULL constraint failed: art_team.train_id"))
    assert error.message_dict == {NON_FIELD_ERRORS: [CONCURRENT_CHANGE]}
    assert "NOT NULL constraint failed: art_team.train_id" in caplog.text


@pytest.mark.parametrize(
    ("text", "field"),
    [
        # SQLite
        ("UNIQUE constraint failed: art_team.train_id, art_team.name", "name"),
        ("UNIQUE constraint failed: art_releasetrain.slug", "slug"),
        ("CHECK constraint failed: team_name_not_empty", "name"),
        # PostgreSQL
        ('duplicate key value violates unique constraint "team_name_unique_per_train"', "name"),
        (
            'duplicate key value violates unique constraint "art_releasetrain_slug_key"\n'
            "DETAIL:  Key (slug)=(payments) already exists.",
            "slug",
        ),
    ],
)
def test_the_error_text_of_each_database_names_the_constraint(text, field):
    model = ReleaseTrain if "releasetrain" in text else Team
    errors = integrity_error_message(model, IntegrityError(text)).message_dict
    assert list(errors) == [field]
    assert not any(word in errors[field][0] for word in DATABASE_WORDS)


def test_a_unique_violation_of_another_table_is_not_taken_for_this_ones():
    error = integrity_error_message(
        Team, IntegrityError("UNIQUE constraint failed: art_feature.train_id, art_feature.name")
    )
    assert error.message_dict == {NON_FIELD_ERRORS: [CONCURRENT_CHANGE]}
