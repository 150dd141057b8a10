"""The team capacity page: people's FTE, delivering and absence days per iteration (the team and
the RTE), the train's public holidays (the RTE), and the figures the board shows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from art.models import Absence, TeamMember
from pi_planning.models import Holiday
from tests.pi_planning.helpers import story

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(world):
    return [
        TeamMember.objects.create(team=world.team, name=name, fte=Decimal(fte))
        for name, fte in [
            ("Ana", "1.00"),
            ("Ben", "1.00"),
            ("Cleo", "1.00"),
            ("Dev", "1.00"),
            ("Eli", "0.50"),
        ]
    ]


def page_url(world, team=None, **query):
    url = reverse(
        "pi_planning:team_capacity", kwargs={"slug": world.train.slug, "team_id": (team or world.team).pk}
    )
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def member_url(world, member):
    return reverse(
        "pi_planning:team_capacity_member",
        kwargs={"slug": world.train.slug, "team_id": member.team_id, "member_id": member.pk},
    )


def member_data(world, plan, member, fte="1.00", delivering=True, **absences):
    data = {"pi": world.pi.pk, "fte": fte}
    if delivering:
        data["delivering"] = "on"
    for it in plan.iterations:
        data[f"absence_{it.pk}"] = absences.get(f"it{it.number}", "")
    return data


def test_the_page_shows_capacity_load_and_status_per_iteration(as_user, world, plan, people):
    Holiday.objects.create(train=world.train, date=dt.date(2026, 2, 4), name="Holiday")
    for points in (8, 8, 8, 5):
        story(world, iteration=plan.it(3), points=points)
    response = as_user("viewer").get(page_url(world, pi=world.pi.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Capacity of Alpha" in html
    # iteration 3: 29 of 31.5 points (92.1 %), no slack; the holiday counted
    assert "29 <small>/ 31.5 pt</small>" in html
    assert "92.1\xa0% · No slack" in html  # one decimal at most, never split from its %
    assert "Holiday" in html
    # a viewer reads, and edits nothing
    assert "<input" not in html.split('id="capacity"')[1].split("Measured velocity")[0]


def test_without_pi_the_current_one_is_shown(as_user, world, plan, people):
    assert as_user("member").get(page_url(world)).status_code == 200


def test_a_member_sets_fte_delivering_and_absences_of_their_team(as_user, htmx, world, plan, people):
    as_user("member")
    ana = people[0]
    response = htmx.post(
        member_url(world, ana), member_data(world, plan, ana, fte="0.80", it2="2", it3="1.5")
    )
    assert response.status_code == 200
    assert "Ana saved." in response["HX-Trigger"]
    ana.refresh_from_db()
    assert ana.fte == Decimal("0.80")
    assert {(a.iteration.number, a.days) for a in Absence.objects.filter(member=ana)} == {
        (2, Decimal("2.0")),
        (3, Decimal("1.5")),
    }
    # clearing an absence removes it; not delivering takes the person out of capacity
    response = htmx.post(
        member_url(world, ana), member_data(world, plan, ana, fte="0.80", delivering=False, it3="1.5")
    )
    assert response.status_code == 200
    assert [a.iteration.number for a in Absence.objects.filter(member=ana)] == [3]
    ana.refresh_from_db()
    assert not ana.delivering


def test_a_member_may_not_change_another_teams_people(as_user, htmx, world, plan):
    bravo = TeamMember.objects.create(team=world.other_team, name="Zed", fte=Decimal("1.00"))
    as_user("member")
    assert htmx.post(member_url(world, bravo), member_data(world, plan, bravo, fte="0.5")).status_code == 403
    as_user("viewer")
    assert htmx.post(member_url(world, bravo), member_data(world, plan, bravo, fte="0.5")).status_code == 403
    bravo.refresh_from_db()
    assert bravo.fte == Decimal("1.00")
    as_user("rte")
    assert htmx.post(member_url(world, bravo), member_data(world, plan, bravo, fte="0.5")).status_code == 200


def test_fte_and_absence_days_are_refused_with_the_rule(as_user, htmx, world, plan, people):
    as_user("member")
    ana = people[0]
    response = htmx.post(member_url(world, ana), member_data(world, plan, ana, fte="1.5"))
    assert response.status_code == 422
    assert "fte must be between 0 and 1" in response.content.decode()
    response = htmx.post(member_url(world, ana), member_data(world, plan, ana, it1="11"))
    assert response.status_code == 422
    assert "days must be between 0 and the iteration&#x27;s 10 workdays" in response.content.decode()
    ana.refresh_from_db()
    assert ana.fte == Decimal("1.00") and not Absence.objects.exists()


def test_the_rte_manages_the_trains_holidays(as_user, htmx, world, plan, people):
    add = reverse("pi_planning:holiday_create", kwargs={"slug": world.train.slug, "team_id": world.team.pk})
    data = {"pi": world.pi.pk, "date": "2026-02-04", "name": "Carnival"}
    as_user("member")
    assert htmx.post(add, data).status_code == 403
    as_user("rte")
    response = htmx.post(add, data)
    assert response.status_code == 200
    assert "Carnival" in response.content.decode()
    # the same day twice: refused with the rule
    again = htmx.post(add, data)
    assert again.status_code == 422
    assert "date already is a holiday of this train" in again.content.decode().lower()
    holiday = Holiday.objects.get()
    delete = reverse(
        "pi_planning:holiday_delete",
        kwargs={"slug": world.train.slug, "team_id": world.team.pk, "holiday_id": holiday.pk},
    )
    as_user("member")
    assert htmx.post(delete, {"pi": world.pi.pk}).status_code == 403
    as_user("rte")
    assert htmx.post(delete, {"pi": world.pi.pk}).status_code == 200
    assert not Holiday.objects.exists()


def test_outsiders_do_not_see_the_page(as_user, world, plan):
    assert as_user("outsider").get(page_url(world)).status_code == 404


def test_the_page_costs_the_same_with_more_people(as_user, world, plan, people):
    client = as_user("rte")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page_url(world, pi=world.pi.pk)).status_code == 200
        return len(queries)

    small = count()
    for i in range(20):
        member = TeamMember.objects.create(team=world.team, name=f"More {i}")
        Absence.objects.create(member=member, iteration=plan.it(1 + i % 4), days=Decimal(1))
    assert count() == small
