"""The impediment log's writes: who may raise, change and delete impediments; their age and aging
worked by hand; resolving and reopening; stale versions; and every refusal naming its field,
with nothing changed."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from art.errors import ConflictError
from art.models import ChangeRecord
from sync import services
from sync.models import Impediment
from sync.selectors.impediments import impediment_card
from tests.art.factories import TeamFactory, TrainFactory

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)
CATEGORIES = "dependency, requirements, feedback, environment, priorities, other"


def raise_one(world, actor=None, **fields):
    values = {"title": "Staging down", "category": "environment"} | fields
    return services.impediment_create(actor=actor or world.rte, train=world.train, **values)


def nothing_changed(count_before: int, records_before: int) -> bool:
    return Impediment.objects.count() == count_before and ChangeRecord.objects.count() == records_before


# --- who may --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["rte", "product", "business_owner", "member"])
def test_everyone_who_takes_part_raises_an_impediment(world, role):
    impediment = raise_one(world, actor=world.user(role), team=world.team, owner="Olga")
    assert impediment.status == "open" and impediment.resolved_at is None
    assert impediment.created_by == world.user(role)
    assert impediment.version == 1
    assert ChangeRecord.objects.get(object_id=impediment.pk).action == "created"


def test_a_viewer_may_not_raise_one_and_an_outsider_does_not_see_the_train(world):
    with pytest.raises(PermissionDenied, match="may only read this train"):
        raise_one(world, actor=world.viewer)
    with pytest.raises(Http404):
        raise_one(world, actor=world.outsider)
    assert not Impediment.objects.exists()


def test_a_member_changes_another_teams_impediment_but_only_the_rte_deletes(world):
    impediment = raise_one(world, team=world.other_team)
    changed = services.impediment_update(actor=world.member, impediment=impediment, owner="Ana")
    assert changed.owner == "Ana"
    with pytest.raises(PermissionDenied, match="manage the train"):
        services.impediment_delete(actor=world.member, impediment=changed)
    with pytest.raises(PermissionDenied):
        services.impediment_update(actor=world.viewer, impediment=changed, status="resolved")
    pk = changed.pk
    services.impediment_delete(actor=world.rte, impediment=changed)
    assert not Impediment.objects.exists()
    # The history keeps the before-image of the deleted impediment.
    deleted = ChangeRecord.objects.get(object_id=pk, action="deleted")
    assert deleted.changes["title"] == ["Staging down", None]
    assert deleted.changes["owner"] == ["Ana", None]
    assert deleted.changes["team"] == [world.other_team.pk, None]


# --- age and aging, worked by hand ------------------------------------------------------------


def test_raised_twenty_days_ago_it_is_twenty_days_old_and_aging(world):
    now = timezone.now()
    # given an impediment raised 20 days and 3 hours ago
    impediment = raise_one(world, created_at=now - 20 * DAY - dt.timedelta(hours=3))
    # then (now − created_at) = 20.125 days → 20 whole days; 20 ≥ 14 → aging
    card = impediment_card(pk=impediment.pk, now=now)
    assert card.age_days == 20
    assert card.aging is True


def test_aging_starts_at_fourteen_days_not_thirteen(world):
    now = timezone.now()
    thirteen = raise_one(world, title="Thirteen", created_at=now - 14 * DAY + dt.timedelta(minutes=1))
    fourteen = raise_one(world, title="Fourteen", created_at=now - 14 * DAY)
    # 13 days 23 h 59 min → 13 whole days: not aging; exactly 14 days → 14: aging
    assert (
        impediment_card(pk=thirteen.pk, now=now).age_days,
        impediment_card(pk=thirteen.pk, now=now).aging,
    ) == (
        13,
        False,
    )
    assert (
        impediment_card(pk=fourteen.pk, now=now).age_days,
        impediment_card(pk=fourteen.pk, now=now).aging,
    ) == (
        14,
        True,
    )


def test_a_resolved_impediment_keeps_its_age_and_is_not_aging(world):
    now = timezone.now()
    impediment = raise_one(world, created_at=now - 20 * DAY)
    resolved = services.impediment_update(actor=world.member, impediment=impediment, status="resolved")
    # resolved at about `now`: (resolved_at − created_at) = 20 days, ten days later still 20
    later = impediment_card(pk=resolved.pk, now=now + 10 * DAY)
    assert later.age_days == 20
    assert later.aging is False


def test_resolving_sets_resolved_at_and_reopening_clears_it(world):
    impediment = raise_one(world)
    before = timezone.now()
    resolved = services.impediment_update(
        actor=world.member, impediment=impediment, status="resolved", version=1
    )
    assert resolved.status == "resolved" and resolved.resolved_at >= before
    assert resolved.version == 2
    reopened = services.impediment_update(actor=world.member, impediment=resolved, status="open", version=2)
    assert reopened.status == "open" and reopened.resolved_at is None
    assert reopened.version == 3
    changes = [
        r.changes
        for r in ChangeRecord.objects.filter(object_id=impediment.pk, action="updated").order_by("id")
    ]
    assert changes[0]["status"] == ["open", "resolved"]
    assert changes[1]["status"] == ["resolved", "open"] and changes[1]["resolved_at"][1] is None


def test_an_edit_changes_the_fields_named_and_a_same_value_saves_nothing(world):
    impediment = raise_one(world)
    edited = services.impediment_update(
        actor=world.product,
        impediment=impediment,
        title="  Staging down again ",
        category="dependency",
        team=world.team,
        escalation="portfolio",
        description="Since Monday",
    )
    assert (edited.title, edited.category, edited.team, edited.escalation) == (
        "Staging down again",
        "dependency",
        world.team,
        "portfolio",
    )
    same = services.impediment_update(actor=world.product, impediment=edited, title="Staging down again")
    assert same.version == edited.version == 2


def test_a_stale_version_is_a_conflict_and_changes_nothing(world):
    impediment = raise_one(world)
    services.impediment_update(actor=world.rte, impediment=impediment, owner="Olga", version=1)
    with pytest.raises(ConflictError) as caught:
        services.impediment_update(actor=world.member, impediment=impediment, status="resolved", version=1)
    assert caught.value.current.version == 2
    current = Impediment.objects.get(pk=impediment.pk)
    assert (current.status, current.owner, current.version) == ("open", "Olga", 2)


def test_a_creation_time_a_few_minutes_ahead_is_clock_skew_and_becomes_now(world):
    impediment = raise_one(world, created_at=timezone.now() + dt.timedelta(minutes=4))
    assert impediment.created_at <= timezone.now()
    assert impediment_card(pk=impediment.pk).age_days == 0


# --- refusals: the field named, the rule in words, nothing changed ----------------------------


def other_train_team():
    return TeamFactory(train=TrainFactory(name="Other ART", slug="other"), name="Zulu")


BAD_CREATES = [
    ("category", {"category": "weather"}, f"category must be one of {CATEGORIES}"),
    ("escalation", {"escalation": "ceo"}, "escalation must be one of team, art, portfolio"),
    (
        "created_at",
        {"created_at": "tomorrow"},
        "an impediment cannot date from the future: created_at must be now or earlier",
    ),
    (
        "created_at",
        {"created_at": "1899"},
        "dates must lie between 1990-01-01 and 2199-12-31: created_at is out of range",
    ),
    ("team", {"team": "other train"}, "team must be one of this train's teams"),
    ("title", {"title": "   "}, "title is required"),
]


@pytest.mark.parametrize(
    "field, change, words", BAD_CREATES, ids=[f"{f}-{i}" for i, (f, *_) in enumerate(BAD_CREATES)]
)
def test_bad_input_is_refused_naming_the_field_and_nothing_changes(world, field, change, words):
    values = dict(change)
    if values.get("created_at") == "tomorrow":
        values["created_at"] = timezone.now() + DAY
    elif values.get("created_at") == "1899":
        values["created_at"] = dt.datetime(1899, 12, 31, 12, tzinfo=dt.UTC)
    if values.get("team") == "other train":
        values["team"] = other_train_team()
    counts = Impediment.objects.count(), ChangeRecord.objects.count()
    with pytest.raises(ValidationError) as caught:
        raise_one(world, **values)
    assert caught.value.message_dict == {field: [words]}
    assert nothing_changed(*counts)


@pytest.mark.parametrize(
    "change, field, words",
    [
        ({"status": "closed"}, "status", "status must be one of open, resolved"),
        ({"category": "weather"}, "category", f"category must be one of {CATEGORIES}"),
        ({"title": ""}, "title", "title is required"),
        ({"created_by": None}, "created_by", "created_by cannot be changed here"),
    ],
)
def test_a_bad_change_is_refused_naming_the_field_and_nothing_changes(world, change, field, words):
    impediment = raise_one(world)
    counts = Impediment.objects.count(), ChangeRecord.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.impediment_update(actor=world.rte, impediment=impediment, **change)
    assert caught.value.message_dict == {field: [words]}
    assert nothing_changed(*counts)
    assert Impediment.objects.get(pk=impediment.pk).version == 1


def test_moving_it_to_another_trains_team_is_refused(world):
    impediment = raise_one(world)
    with pytest.raises(ValidationError) as caught:
        services.impediment_update(actor=world.rte, impediment=impediment, team=other_train_team())
    assert caught.value.message_dict == {"team": ["team must be one of this train's teams"]}
    assert Impediment.objects.get(pk=impediment.pk).team is None
