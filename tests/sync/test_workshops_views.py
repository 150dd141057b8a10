"""The Inspect & Adapt page: its three parts and each alone for htmx, scoring actual business
value, the workshop's writes and refusals on the page, who sees which controls, and a query
budget that does not grow with objectives, causes or votes."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from art.models import ProgramIncrement
from pi_planning.models import Objective
from sync import services
from sync.models import Cause, CauseVote, Event, ImprovementItem, Solution, Workshop
from tests.art.factories import PIFactory, UserFactory

pytestmark = pytest.mark.django_db


def url(world, name="inspect_adapt", pi=None, **kwargs):
    return reverse(f"sync:{name}", kwargs={"slug": world.train.slug, "pi_id": (pi or world.pi).pk, **kwargs})


@pytest.fixture
def workshop(world):
    return services.workshop_open(actor=world.rte, pi=world.pi)


@pytest.fixture
def next_pi(world):
    return PIFactory(train=world.train, name="PI 26.2", start_date=dt.date(2026, 3, 16))


def objective(world, team, title, planned, actual=None, committed=True):
    return Objective.objects.create(
        pi=world.pi, team=team, title=title, planned_bv=planned, actual_bv=actual, committed=committed
    )


def add(world, workshop, text, category="process", who="member", whys=()):
    return services.cause_add(
        actor=world.user(who), workshop=workshop, category=category, text=text, whys=whys
    )


# --- the page --------------------------------------------------------------------------------


def test_the_page_shows_its_three_parts_and_the_pi_links_to_it(world, page_as):
    client = page_as("viewer")
    response = client.get(url(world))
    assert response.status_code == 200
    html = response.content.decode()
    for anchor in ('id="demo"', 'id="review"', 'id="workshop-part"', 'id="ia-demo"', 'id="ia-review"'):
        assert anchor in html
    assert "The RTE opens it at the Inspect &amp; Adapt." in html
    pi_page = client.get(reverse("art:pi", kwargs={"slug": world.train.slug, "pi_id": world.pi.pk}))
    assert url(world) in pi_page.content.decode()


def test_another_trains_people_find_no_such_page(world, page_as):
    assert page_as("outsider").get(url(world)).status_code == 404
    assert page_as(None).get(url(world)).status_code == 302


def test_the_i_and_a_event_links_to_the_page(world, page_as):
    start = dt.datetime(2026, 3, 11, 9, tzinfo=dt.UTC)
    event = services.event_create(
        actor=world.rte,
        train=world.train,
        pi=world.pi,
        kind=Event.Kind.INSPECT_ADAPT,
        title="Inspect & Adapt",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=4),
    )
    page = page_as("member").get(
        reverse("sync:event", kwargs={"slug": world.train.slug, "event_id": event.pk})
    )
    assert url(world) in page.content.decode()


def test_each_part_is_served_alone_for_htmx(world, page_as, htmx, workshop):
    page_as("member")
    for target in ("ia-demo", "ia-review", "workshop", "dot-vote", "item-form"):
        response = htmx.get(url(world), target=target)
        assert response.status_code == 200
        html = response.content.decode()
        assert f'id="{target}"' in html and "<html" not in html


# --- the PI system demo ----------------------------------------------------------------------


def test_objectives_grouped_by_team_with_predictability_as_it_stands(world, page_as):
    objective(world, world.team, "Wallet live", 8, 8)
    objective(world, world.team, "Faster payouts", 5, 3)
    objective(world, world.team, "Stretch: AI triage", 3, 3, committed=False)
    objective(world, world.other_team, "Ledger export", 2)
    html = page_as("viewer").get(url(world)).content.decode()
    # Alpha: 100 × (8 + 3 + 3) / (8 + 5) = 107.7 %; Bravo still to score
    assert "107.7 %" in html and "not scored" in html
    assert "Uncommitted" in html and "Committed" in html
    assert 'name="actual_bv"' not in html  # a viewer reads the scores


def test_a_business_owner_scores_an_objective(world, page_as, htmx):
    target = objective(world, world.team, "Wallet live", 8)
    page_as("business_owner")
    response = htmx.post(
        url(world, "ia_objective_score", objective_id=target.pk),
        {"actual_bv": "7", "version": "1"},
        target="ia-demo",
    )
    assert response.status_code == 200
    target.refresh_from_db()
    assert (target.actual_bv, target.version) == (7, 2)
    assert "87.5 %" in response.content.decode()  # 7 / 8
    # a stale version is refused and shows the score as it is
    stale = htmx.post(
        url(world, "ia_objective_score", objective_id=target.pk), {"actual_bv": "3", "version": "1"}
    )
    assert stale.status_code == 409 and Objective.objects.get(pk=target.pk).actual_bv == 7
    # out of range, in the rule's words
    wrong = htmx.post(
        url(world, "ia_objective_score", objective_id=target.pk), {"actual_bv": "11", "version": "2"}
    )
    assert wrong.status_code == 422 and "Actual_bv must be between 0 and 10" in wrong.content.decode()


def test_a_member_may_not_score(world, page_as, htmx):
    target = objective(world, world.team, "Wallet live", 8)
    page_as("member")
    response = htmx.post(url(world, "ia_objective_score", objective_id=target.pk), {"actual_bv": "7"})
    assert response.status_code == 403 and Objective.objects.get(pk=target.pk).actual_bv is None


# --- the workshop ----------------------------------------------------------------------------


def test_the_rte_opens_the_workshop_and_writes_the_problem(world, page_as, htmx):
    page_as("rte")
    opened = htmx.post(url(world, "workshop_open"), target="workshop")
    assert opened.status_code == 200 and 'id="fishbone"' in opened.content.decode()
    saved = htmx.post(url(world, "workshop_update"), {"problem": "Features slip", "version": "1"})
    assert saved.status_code == 200 and Workshop.objects.get().problem == "Features slip"
    assert "Features slip" in saved.content.decode()
    stale = htmx.post(url(world, "workshop_update"), {"problem": "Other", "version": "1"})
    assert stale.status_code == 409 and Workshop.objects.get().problem == "Features slip"


def test_only_the_rte_writes_the_problem(world, page_as, htmx, workshop):
    page_as("member")
    assert htmx.post(url(world, "workshop_update"), {"problem": "Mine"}).status_code == 403
    assert page_as("member").post(url(world, "workshop_open")).status_code == 403


def test_causes_and_whys_on_the_page_and_a_sixth_why_refused_next_to_it(world, page_as, htmx, workshop):
    page_as("member")
    added = htmx.post(
        url(world, "workshop_cause_add"),
        {"category": "environment", "text": "Staging is down", "whys": "One staging\nNo budget\n\n"},
    )
    assert added.status_code == 200
    cause = Cause.objects.get()
    assert (cause.category, cause.whys) == ("environment", ["One staging", "No budget"])
    for n in range(3):
        cause.refresh_from_db()
        ok = htmx.post(
            url(world, "workshop_cause_why_add", cause_id=cause.pk),
            {"why": f"Why {n}", "version": cause.version},
        )
        assert ok.status_code == 200
    cause.refresh_from_db()
    assert len(cause.whys) == 5
    refused = htmx.post(
        url(world, "workshop_cause_why_add", cause_id=cause.pk), {"why": "Sixth", "version": cause.version}
    )
    assert refused.status_code == 422
    assert "Whys: a cause has at most 5 whys" in refused.content.decode()
    assert len(Cause.objects.get().whys) == 5
    # the same rule refuses six whys typed in the add form, next to the field
    six = htmx.post(
        url(world, "workshop_cause_add"), {"category": "tools", "text": "T", "whys": "1\n2\n3\n4\n5\n6"}
    )
    assert six.status_code == 422 and "Whys: a cause has at most 5 whys" in six.content.decode()
    unknown = htmx.post(url(world, "workshop_cause_add"), {"category": "budget", "text": "T"})
    assert unknown.status_code == 422 and "Category must be one of people" in unknown.content.decode()
    assert Cause.objects.count() == 1


def test_the_author_edits_and_the_rte_deletes_a_cause_others_may_not(world, page_as, htmx, workshop):
    cause = add(world, workshop, "Staging is down")
    page_as("other_member")
    html = htmx.get(url(world), target="workshop").content.decode()
    assert f'id="id_why-{cause.pk}-why"' not in html  # not theirs to change
    assert (
        htmx.post(
            url(world, "workshop_cause_update", cause_id=cause.pk), {"category": "tools", "text": "X"}
        ).status_code
        == 403
    )
    page_as("member")
    edited = htmx.post(
        url(world, "workshop_cause_update", cause_id=cause.pk),
        {"category": "tools", "text": "Staging is busy", "whys": "Shared", "version": "1"},
    )
    assert edited.status_code == 200 and Cause.objects.get().text == "Staging is busy"
    page_as("rte")
    assert htmx.post(url(world, "workshop_cause_delete", cause_id=cause.pk)).status_code == 200
    assert not Cause.objects.exists()


def test_voting_dots_reorders_the_pareto_chart_and_a_vote_beyond_is_refused(world, page_as, htmx, workshop):
    first, second = add(world, workshop, "First written"), add(world, workshop, "Second written")
    page_as("member")
    before = htmx.get(url(world), target="dot-vote").content.decode()
    assert "5 dots left" in before
    response = htmx.post(
        url(world, "workshop_cause_vote", cause_id=second.pk), {"dots": "3"}, target="dot-vote"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "2 dots left" in html and 'id="pareto"' in html
    # the Pareto table now lists the second cause first
    order = re.findall(r'class="pareto__row" data-cause="(\d+)"', html)
    assert order == [str(second.pk), str(first.pk)]
    refused = htmx.post(
        url(world, "workshop_cause_vote", cause_id=first.pk), {"dots": "3"}, target="dot-vote"
    )
    assert refused.status_code == 422 and "Dots: you have 2 dots left of 5" in refused.content.decode()
    assert list(CauseVote.objects.values_list("cause_id", "dots")) == [(second.pk, 3)]


def test_a_viewer_sees_the_vote_but_no_buttons_and_may_not_vote(world, page_as, htmx, workshop):
    cause = add(world, workshop, "Staging is down")
    page_as("viewer")
    html = htmx.get(url(world), target="workshop").content.decode()
    assert "Staging is down" in html and "vote-btn" not in html and "Add a cause" not in html
    assert htmx.post(url(world, "workshop_cause_vote", cause_id=cause.pk), {"dots": "1"}).status_code == 403
    assert not CauseVote.objects.exists()


def test_solutions_and_an_item_from_the_top_cause_for_the_next_pi(world, page_as, htmx, workshop, next_pi):
    top = add(world, workshop, "Staging is down")
    services.cause_vote(actor=world.member, cause=top, dots=3)
    page_as("member")
    form = htmx.get(url(world), target="item-form").content.decode()
    # prefilled from the top cause, targeted at the next PI, due by its end
    assert 'value="Staging is down"' in form
    assert f'<option value="{next_pi.pk}" selected>' in form
    assert f'value="{next_pi.end_date.isoformat()}"' in form
    assert (
        htmx.post(
            url(world, "workshop_solution_add"), {"cause": str(top.pk), "text": "Second staging"}
        ).status_code
        == 200
    )
    solution = Solution.objects.get()
    prefilled = htmx.get(url(world) + f"?solution={solution.pk}", target="item-form").content.decode()
    assert 'value="Second staging"' in prefilled
    written = htmx.post(
        url(world, "workshop_item_add"),
        {
            "title": "Stand up a second staging",
            "owner": "Rita",
            "target_pi": str(next_pi.pk),
            "cause": str(top.pk),
        },
    )
    assert written.status_code == 200
    item = ImprovementItem.objects.get()
    assert (item.workshop_id, item.cause_id, item.target_pi_id) == (workshop.pk, top.pk, next_pi.pk)
    assert "Stand up a second staging" in written.content.decode()


def test_an_item_for_a_closed_pi_is_refused_from_the_workshop_form(world, page_as, htmx, workshop):
    closed = PIFactory(train=world.train, name="PI 25.4", start_date=dt.date(2025, 10, 6), state="closed")
    page_as("member")
    refused = htmx.post(
        url(world, "workshop_item_add"), {"title": "X", "owner": "Rita", "target_pi": str(closed.pk)}
    )
    assert refused.status_code == 422
    assert "target_pi must be a PI that is not closed: PI 25.4 is closed" in refused.content.decode().replace(
        "Target_pi", "target_pi"
    )
    assert not ImprovementItem.objects.exists()
    # and the form offers no closed PI
    form = htmx.get(url(world), target="item-form").content.decode()
    assert f'value="{closed.pk}"' not in form


# --- the query budget ------------------------------------------------------------------------


def test_the_page_costs_the_same_with_more_objectives_causes_and_votes(world, page_as, workshop, next_pi):
    client = page_as("member")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(world)).status_code == 200
        return len(queries)

    objective(world, world.team, "O", 5, 5)
    add(world, workshop, "C")
    services.solution_add(actor=world.member, workshop=workshop, text="S")
    few = count()
    voters = [UserFactory(username=f"voter{n}") for n in range(3)]
    for user in voters:
        world.train.memberships.create(user=user, role="member", team=world.team)
    for n in range(6):
        objective(world, world.other_team if n % 2 else world.team, f"O{n}", 3, n % 4)
        cause = add(world, workshop, f"C{n}", ["people", "tools", "providers"][n % 3], whys=["a", "b"])
        services.solution_add(actor=world.member, workshop=workshop, text=f"S{n}", cause=cause)
        services.improvement_item_create(
            actor=world.member,
            train=world.train,
            title=f"I{n}",
            workshop=workshop,
            cause=cause,
            target_pi=next_pi,
        )
        for user in voters[: 1 + n % 3] if n < 5 else []:
            services.cause_vote(actor=user, cause=cause, dots=1)
    assert count() == few


def test_the_pi_without_a_next_open_pi_says_so(world, page_as, workshop):
    world.pi.state = ProgramIncrement.State.EXECUTING
    world.pi.save(update_fields=["state"])
    html = page_as("member").get(url(world)).content.decode()
    assert "No PI after PI 26.1 is open yet" in html
