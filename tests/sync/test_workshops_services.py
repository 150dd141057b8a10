"""The workshop's services: who may open it, write the problem, add causes with their whys and
vote; the rules' refusals in their words (nothing changed); the dots' allowance under a lowered
limit; and every write in the history."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from art.errors import ConflictError
from art.models import ChangeRecord, ProgramIncrement
from sync import services
from sync.models import Cause, CauseVote, ImprovementItem, Solution, Workshop
from sync.selectors.workshops import pareto_rows, workshop_data
from tests.art.factories import PIFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def workshop(world):
    return services.workshop_open(actor=world.rte, pi=world.pi)


def add(
    world, workshop, text="Integration tests run only at night", category="process", whys=(), who="member"
):
    return services.cause_add(
        actor=world.user(who), workshop=workshop, category=category, text=text, whys=whys
    )


def history(obj, pk=None):
    return list(
        ChangeRecord.objects.filter(
            content_type=ContentType.objects.get_for_model(type(obj)), object_id=pk or obj.pk
        )
        .order_by("id")
        .values_list("action", flat=True)
    )


# --- the workshop ----------------------------------------------------------------------------


def test_the_rte_opens_a_pis_workshop_once(world):
    first = services.workshop_open(actor=world.rte, pi=world.pi)
    again = services.workshop_open(actor=world.rte, pi=world.pi)
    assert first.pk == again.pk and Workshop.objects.count() == 1
    assert (first.train_id, first.dots_per_participant, first.version) == (world.train.pk, 5, 1)
    assert history(first) == ["created"]


@pytest.mark.parametrize("role", ["product", "business_owner", "member", "viewer"])
def test_only_the_rte_opens_it(world, role):
    with pytest.raises(PermissionDenied):
        services.workshop_open(actor=world.user(role), pi=world.pi)


def test_another_trains_rte_finds_no_such_train(world):
    with pytest.raises(Http404):
        services.workshop_open(actor=world.outsider, pi=world.pi)


def test_the_rte_writes_the_problem_and_a_stale_version_changes_nothing(world, workshop):
    saved = services.workshop_update(
        actor=world.rte, workshop=workshop, version=1, problem="  Features slip  "
    )
    assert (saved.problem, saved.version) == ("Features slip", 2)
    with pytest.raises(ConflictError):
        services.workshop_update(actor=world.rte, workshop=workshop, version=1, problem="Other")
    assert Workshop.objects.get().problem == "Features slip"
    with pytest.raises(PermissionDenied):
        services.workshop_update(actor=world.member, workshop=workshop, problem="Mine")


@pytest.mark.parametrize("dots", [0, 21, "5", True])
def test_dots_per_participant_are_a_whole_number_from_1_to_20(world, workshop, dots):
    with pytest.raises(ValidationError) as refused:
        services.workshop_update(actor=world.rte, workshop=workshop, dots_per_participant=dots)
    assert refused.value.message_dict == {
        "dots_per_participant": ["dots_per_participant must be a whole number from 1 to 20"]
    }


def test_lowering_the_dots_below_what_someone_placed_is_refused_naming_how_many(world, workshop):
    # given the member placed 4 dots (3 + 1) and the business owner 2
    a, b = add(world, workshop, "A"), add(world, workshop, "B")
    services.cause_vote(actor=world.member, cause=a, dots=3)
    services.cause_vote(actor=world.member, cause=b, dots=1)
    services.cause_vote(actor=world.business_owner, cause=a, dots=2)
    # when the RTE lowers the dots to 3, then it is refused, naming the 4 placed
    with pytest.raises(ValidationError) as refused:
        services.workshop_update(actor=world.rte, workshop=workshop, dots_per_participant=3)
    assert refused.value.message_dict["dots_per_participant"] == [
        "dots_per_participant: someone already placed 4 dots; choose 4 or more, "
        "or ask them to take dots back first"
    ]
    assert Workshop.objects.get().dots_per_participant == 5
    # and lowering to 4 fits everyone
    assert (
        services.workshop_update(
            actor=world.rte, workshop=workshop, dots_per_participant=4
        ).dots_per_participant
        == 4
    )


# --- causes ----------------------------------------------------------------------------------


def test_a_member_adds_a_cause_with_its_whys(world, workshop):
    cause = add(world, workshop, "  Staging is down  ", "environment", ["One staging", "  No budget "])
    assert (cause.text, cause.category, cause.whys, cause.created_by) == (
        "Staging is down",
        "environment",
        ["One staging", "No budget"],
        world.member,
    )
    assert history(cause) == ["created"]


def test_a_cause_with_six_whys_is_refused_naming_the_field_and_nothing_changes(world, workshop):
    with pytest.raises(ValidationError) as refused:
        add(world, workshop, whys=["w1", "w2", "w3", "w4", "w5", "w6"])
    assert refused.value.message_dict == {"whys": ["whys: a cause has at most 5 whys"]}
    assert not Cause.objects.exists()
    # nor may a sixth be added to a cause with five
    cause = add(world, workshop, whys=["w1", "w2", "w3", "w4", "w5"])
    with pytest.raises(ValidationError) as refused:
        services.cause_update(actor=world.member, cause=cause, whys=[*cause.whys, "w6"])
    assert refused.value.message_dict == {"whys": ["whys: a cause has at most 5 whys"]}
    cause.refresh_from_db()
    assert (len(cause.whys), cause.version) == (5, 1)


def test_an_unknown_category_is_refused_in_the_rules_words(world, workshop):
    with pytest.raises(ValidationError) as refused:
        add(world, workshop, category="budget")
    assert refused.value.message_dict == {
        "category": ["category must be one of people, process, tools, program, environment, providers"]
    }
    assert not Cause.objects.exists()


def test_blank_text_and_blank_whys_are_refused(world, workshop):
    with pytest.raises(ValidationError) as refused:
        add(world, workshop, text="  ", whys=["fine", " "])
    assert set(refused.value.message_dict) == {"text", "whys"}


def test_the_author_or_the_rte_changes_a_cause_others_may_not(world, workshop):
    cause = add(world, workshop)
    with pytest.raises(PermissionDenied, match="only the author of a cause or the RTE"):
        services.cause_update(actor=world.other_member, cause=cause, text="Mine now")
    with pytest.raises(PermissionDenied):
        services.cause_update(actor=world.viewer, cause=cause, text="Mine now")
    saved = services.cause_update(actor=world.member, cause=cause, version=1, whys=["Four hours long"])
    assert (saved.whys, saved.version) == (["Four hours long"], 2)
    with pytest.raises(ConflictError):
        services.cause_update(actor=world.rte, cause=cause, version=1, text="Stale")
    services.cause_update(actor=world.rte, cause=cause, version=2, category="tools")
    assert Cause.objects.get().category == "tools"
    pk = cause.pk
    services.cause_delete(actor=world.rte, cause=cause)
    assert not Cause.objects.exists() and history(cause, pk) == ["created", "updated", "updated", "deleted"]


# --- the dot vote ----------------------------------------------------------------------------


def test_a_vote_beyond_the_dots_left_is_refused_in_the_rules_words(world, workshop):
    a, b = add(world, workshop, "A"), add(world, workshop, "B")
    services.cause_vote(actor=world.member, cause=a, dots=3)
    with pytest.raises(ValidationError) as refused:
        services.cause_vote(actor=world.member, cause=b, dots=3)
    assert refused.value.message_dict == {"dots": ["dots: you have 2 dots left of 5"]}
    assert list(CauseVote.objects.values_list("cause_id", "dots")) == [(a.pk, 3)]


def test_changing_my_dots_on_a_cause_replaces_them_and_zero_takes_them_back(world, workshop):
    a, b = add(world, workshop, "A"), add(world, workshop, "B")
    services.cause_vote(actor=world.member, cause=a, dots=3)
    services.cause_vote(actor=world.member, cause=a, dots=5)  # replaces 3: 5 of 5, allowed
    assert list(CauseVote.objects.values_list("dots", flat=True)) == [5]
    assert services.cause_vote(actor=world.member, cause=a, dots=0) is None
    assert not CauseVote.objects.exists()
    services.cause_vote(actor=world.member, cause=b, dots=5)
    data = workshop_data(workshop=workshop, voter=world.member)
    assert (data.used, data.dots_left) == (5, 0)
    records = ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(CauseVote))
    assert [r.changes["dots"] for r in records.order_by("id")] == [[0, 3], [3, 5], [5, 0], [0, 5]]


def test_two_peoples_dots_sum_in_the_pareto_rows(world, workshop):
    a, b, c = add(world, workshop, "A"), add(world, workshop, "B"), add(world, workshop, "C")
    services.cause_vote(actor=world.member, cause=b, dots=3)
    services.cause_vote(actor=world.member, cause=a, dots=2)
    services.cause_vote(actor=world.business_owner, cause=b, dots=2)
    services.cause_vote(actor=world.business_owner, cause=c, dots=2)
    rows = pareto_rows(workshop)
    # B 3+2 = 5, A 2, C 2 (A before C: written first); 5/9 = 55.56, 7/9 = 77.78, 9/9 = 100
    assert [(r.cause.id, r.votes, r.percent, r.cumulative_percent) for r in rows] == [
        (b.pk, 5, 55.56, 55.56),
        (a.pk, 2, 22.22, 77.78),
        (c.pk, 2, 22.22, 100.0),
    ]


@pytest.mark.parametrize("role", ["viewer"])
def test_a_viewer_may_not_vote(world, workshop, role):
    cause = add(world, workshop)
    with pytest.raises(PermissionDenied):
        services.cause_vote(actor=world.user(role), cause=cause, dots=1)
    with pytest.raises(Http404):
        services.cause_vote(actor=world.outsider, cause=cause, dots=1)
    assert not CauseVote.objects.exists()


def test_negative_dots_and_non_numbers_are_refused(world, workshop):
    cause = add(world, workshop)
    with pytest.raises(ValidationError, match="dots must be 0 or more"):
        services.cause_vote(actor=world.member, cause=cause, dots=-1)
    with pytest.raises(ValidationError, match="dots must be a whole number"):
        services.cause_vote(actor=world.member, cause=cause, dots="2")


# --- solutions and improvement items ---------------------------------------------------------


def test_solutions_for_a_cause_or_the_problem_and_who_deletes_them(world, workshop):
    cause = add(world, workshop)
    other = services.workshop_open(
        actor=world.rte, pi=PIFactory(train=world.train, start_date=dt.date(2026, 3, 16))
    )
    foreign = add(world, other, "Elsewhere")
    with pytest.raises(ValidationError) as refused:
        services.solution_add(actor=world.member, workshop=workshop, text="Fix it", cause=foreign)
    assert refused.value.message_dict == {"cause": ["cause must be one of this workshop's causes"]}
    solution = services.solution_add(
        actor=world.member, workshop=workshop, text="Contract tests", cause=cause
    )
    general = services.solution_add(actor=world.business_owner, workshop=workshop, text="Show integrations")
    assert general.cause is None
    with pytest.raises(PermissionDenied):
        services.solution_delete(actor=world.other_member, solution=solution)
    services.solution_delete(actor=world.member, solution=solution)
    services.solution_delete(actor=world.rte, solution=general)
    assert not Solution.objects.exists()


def test_an_item_from_the_workshop_may_not_target_a_closed_pi(world, workshop):
    cause = add(world, workshop)
    closed = PIFactory(
        train=world.train, start_date=dt.date(2025, 10, 6), state=ProgramIncrement.State.CLOSED
    )
    with pytest.raises(ValidationError) as refused:
        services.improvement_item_create(
            actor=world.member, train=world.train, title="X", target_pi=closed, workshop=workshop, cause=cause
        )
    assert "target_pi" in refused.value.message_dict
    assert not ImprovementItem.objects.exists()
