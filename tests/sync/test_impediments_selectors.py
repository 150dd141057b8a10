"""The impediment log's reads: filters, the two orders, the header's counts, and a fixed number of
queries whatever the number of impediments."""

import datetime as dt

import pytest
from django.utils import timezone

from sync.selectors.impediments import ImpedimentFilters, impediment_counts, impediment_list
from tests.sync.factories import ImpedimentFactory

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


@pytest.fixture
def log(world):
    """Six impediments of the world's train, aged by hand (now is fixed):
    A 30 days, open, Alpha, environment, ART      → aging
    B 21 days, open, Bravo, dependency            → aging
    C 14 days, open, whole train, feedback         → aging (14 is aging)
    D 13 days, open, Alpha, environment            → not aging
    E  2 days, open, Bravo, environment, portfolio → not aging
    F 40 days, resolved after 5, Alpha, dependency → keeps age 5, not aging
    """
    now = timezone.now()

    def make(title, age, **fields):
        return ImpedimentFactory(train=world.train, title=title, created_at=now - age * DAY, **fields)

    rows = {
        "A": make("A", 30, team=world.team, category="environment", escalation="art"),
        "B": make("B", 21, team=world.other_team, category="dependency"),
        "C": make("C", 14, category="feedback"),
        "D": make("D", 13, team=world.team, category="environment"),
        "E": make("E", 2, team=world.other_team, category="environment", escalation="portfolio"),
        "F": make(
            "F", 40, team=world.team, category="dependency", status="resolved", resolved_at=now - 35 * DAY
        ),
    }
    ImpedimentFactory(title="Elsewhere", created_at=now - 50 * DAY)  # another train's
    return now, rows


def titles(result) -> list[str]:
    return [row.title for row in result.rows]


def test_the_log_shows_the_open_ones_oldest_first_with_age_and_aging(world, log):
    now, _ = log
    result = impediment_list(train=world.train, now=now)
    assert titles(result) == ["A", "B", "C", "D", "E"]
    assert [(r.age_days, r.aging) for r in result.rows] == [
        (30, True),
        (21, True),
        (14, True),
        (13, False),
        (2, False),
    ]


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"status": "resolved"}, ["F"]),
        ({"status": "all"}, ["A", "B", "C", "D", "F", "E"]),  # F keeps age 5: between D (13) and E (2)
        ({"aging": True}, ["A", "B", "C"]),
        ({"team": "team"}, ["A", "D"]),
        ({"category": "environment"}, ["A", "D", "E"]),
        ({"escalation": "portfolio"}, ["E"]),
        ({"escalation": "art", "aging": True}, ["A"]),
        ({"status": "all", "sort": "newest"}, ["E", "D", "C", "B", "A", "F"]),
        ({"status": "resolved", "aging": True}, []),  # a resolved impediment is never aging
    ],
)
def test_each_filter_and_order(world, log, filters, expected):
    now, _ = log
    if filters.get("team") == "team":
        filters = {**filters, "team": world.team.pk}
    result = impediment_list(train=world.train, filters=ImpedimentFilters(**filters), now=now)
    assert titles(result) == expected


def test_filters_from_a_query_string_ignore_what_they_do_not_know():
    parsed = ImpedimentFilters.from_query(
        {"team": "x", "category": "weather", "status": "closed", "sort": "random", "aging": "1"}
    )
    assert parsed == ImpedimentFilters(aging=True)
    assert ImpedimentFilters.from_query({}).is_default


def test_the_headers_counts(world, log):
    now, _ = log
    counts = impediment_counts(train=world.train, now=now)
    # open: A B C D E = 5; aging: A B C = 3; resolved: F = 1
    assert (counts.open, counts.aging, counts.resolved, counts.total) == (5, 3, 1, 6)
    by = {c.value: (c.open, c.aging) for c in counts.by_category}
    assert by == {
        "dependency": (1, 1),  # B (F is resolved)
        "requirements": (0, 0),
        "feedback": (1, 1),  # C
        "environment": (3, 1),  # A D E; A aging
        "priorities": (0, 0),
        "other": (0, 0),
    }


def test_the_log_costs_two_queries_whatever_the_number_of_impediments(world, django_assert_num_queries):
    ImpedimentFactory.create_batch(3, train=world.train, team=world.team)
    with django_assert_num_queries(2):
        few = impediment_list(train=world.train, filters=ImpedimentFilters(status="all"))
    ImpedimentFactory.create_batch(30, train=world.train, team=world.other_team)
    with django_assert_num_queries(2):
        many = impediment_list(train=world.train, filters=ImpedimentFilters(status="all"))
    assert [r.team.name for r in many.rows][-1] == "Bravo"
    assert (len(few.rows), len(many.rows)) == (3, 33)
