"""The PI's committed baselines and the live plan compared with any of them (docs/domain.md,
"Plan baselines"): the page `…/pis/<id>/baselines/`, `GET pis/{id}/baselines/` and
`GET pis/{id}/baselines/{baseline_id}/compare/`."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from art.models import ProgramIncrement, Story
from art.services import story_create, story_delete, story_move
from pi_planning import services
from pi_planning.services import board_card_move
from tests.pi_planning.helpers import feature

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(world, plan):
    """Commit 1 (planning): F1 Alpha · it 2; sA Alpha · it 1 (3 pt), sB Alpha · it 2 (5 pt),
    sC Bravo · it 1 (2 pt) → Alpha 8, Bravo 2.
    Then sB goes to Bravo · it 2 and sD (Bravo · it 3, 8 pt) is added.
    Commit 2 (planning) → Alpha 3, Bravo 15.
    The PI starts (executing); sA is deleted and F1 goes to Bravo · it 3. Commit 3 (executing).
    Now: Alpha 0, Bravo 15."""
    alpha, bravo = world.team, world.other_team
    f1 = feature(world, team=alpha, iteration=plan.it(2), title="F1")
    sa = story_create(actor=world.rte, team=alpha, title="sA", feature=f1, iteration=plan.it(1), points=3)
    sb = story_create(actor=world.rte, team=alpha, title="sB", feature=f1, iteration=plan.it(2), points=5)
    sc = story_create(actor=world.rte, team=bravo, title="sC", iteration=plan.it(1), points=2)
    first = services.plan_baseline_commit(actor=world.rte, pi=world.pi, note="Day 1")
    story_move(actor=world.rte, story=sb, iteration=plan.it(2), team=bravo)
    sd = story_create(actor=world.rte, team=bravo, title="sD", iteration=plan.it(3), points=8)
    second = services.plan_baseline_commit(actor=world.rte, pi=world.pi, note="Day 2")
    ProgramIncrement.objects.filter(pk=world.pi.pk).update(state=ProgramIncrement.State.EXECUTING)
    world.pi.refresh_from_db()
    sa_id = sa.pk
    story_delete(actor=world.rte, story=sa)
    f1.refresh_from_db()
    board_card_move(
        actor=world.rte, pi=world.pi, card=f1, team=bravo, iteration=plan.it(3), version=f1.version
    )
    third = services.plan_baseline_commit(actor=world.rte, pi=world.pi, note="Mid-PI")
    return {"f1": f1, "sa": sa_id, "sb": sb, "sc": sc, "sd": sd, "commits": (first, second, third)}


def compare_url(world, baseline):
    return f"/api/v1/pis/{world.pi.pk}/baselines/{baseline.pk}/compare/"


def test_the_list_shows_every_commit_newest_first_with_the_end_of_planning_one_marked(api_as, world, history):
    first, second, third = history["commits"]
    response = api_as("viewer").get(f"/api/v1/pis/{world.pi.pk}/baselines/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    rows = [
        (
            r["id"],
            r["note"],
            r["committed_by"],
            r["features"],
            r["stories"],
            r["pi_state"],
            r["end_of_planning"],
        )
        for r in body["results"]
    ]
    assert rows == [
        (third.pk, "Mid-PI", "rte", 1, 3, "executing", False),  # sA deleted: sB, sC, sD
        (second.pk, "Day 2", "rte", 1, 4, "planning", True),  # the latest made in planning
        (first.pk, "Day 1", "rte", 1, 3, "planning", False),
    ]


def test_comparing_with_the_older_commit_shows_every_change_since_and_the_load_per_team(
    api_as, world, history
):
    first = history["commits"][0]
    response = api_as("viewer").get(compare_url(world, first))
    assert response.status_code == 200
    body = response.json()
    assert body["baseline"]["id"] == first.pk
    changes = {(c["kind"], c["id"]): c["change"] for c in body["changes"]}
    assert changes == {
        ("feature", history["f1"].pk): "moved",  # Alpha · it 2 → Bravo · it 3
        ("story", history["sa"]): "removed",  # deleted
        ("story", history["sb"].pk): "moved",  # Alpha · it 2 → Bravo · it 2
        ("story", history["sd"].pk): "added",
    }
    assert body["counts"] == {"moved": 2, "added": 1, "removed": 1}
    sb = next(c for c in body["changes"] if c["id"] == history["sb"].pk and c["kind"] == "story")
    assert sb["before"]["team"] == world.team.pk and sb["after"]["team"] == world.other_team.pk
    # Alpha: 3 + 5 = 8 then, 0 now; Bravo: 2 then, 2 + 5 + 8 = 15 now.
    teams = {t["name"]: (t["before"], t["after"], t["delta"]) for t in body["teams"]}
    assert teams == {"Alpha": (8, 0, -8), "Bravo": (2, 15, 13)}


def test_comparing_with_the_second_commit_counts_only_what_changed_after_it(api_as, world, history):
    second = history["commits"][1]
    body = api_as("viewer").get(compare_url(world, second)).json()
    assert body["counts"] == {"moved": 1, "added": 0, "removed": 1}  # F1 moved, sA removed
    teams = {t["name"]: (t["before"], t["after"], t["delta"]) for t in body["teams"]}
    assert teams == {"Alpha": (3, 0, -3), "Bravo": (15, 15, 0)}


def test_the_live_load_per_team_is_the_boards_load(api_as, world, plan, history):
    """The comparison's "after" is the load the capacity selector gives the board."""
    from pi_planning.selectors.capacity import pi_capacity

    body = api_as("viewer").get(compare_url(world, history["commits"][2])).json()
    cells = pi_capacity(pi=world.pi)
    board = {
        t.name: sum(cells[(t.pk, it.pk)].points for it in plan.iterations)
        for t in (world.team, world.other_team)
    }
    assert {t["name"]: t["after"] for t in body["teams"]} == board
    assert {t["name"]: t["delta"] for t in body["teams"]} == {"Alpha": 0, "Bravo": 0}  # just committed


def test_a_baseline_of_another_pi_or_train_is_not_found(api_as, world, history):
    import datetime as dt

    from tests.art.factories import PIFactory

    # after the world's PI: a train's PIs never overlap (a constraint on PostgreSQL)
    other = PIFactory(train=world.train, name="PI 26.2", start_date=world.pi.end_date + dt.timedelta(days=3))
    response = api_as("viewer").get(f"/api/v1/pis/{other.pk}/baselines/{history['commits'][0].pk}/compare/")
    assert response.status_code == 404
    assert api_as("outsider").get(compare_url(world, history["commits"][0])).status_code == 404
    assert api_as(None).get(compare_url(world, history["commits"][0])).status_code in (401, 403)


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_query_counts_do_not_grow_with_cards_or_commits(api_as, world, plan, page_as):
    def grow(n: int) -> None:
        f = feature(world, iteration=plan.it(2), title=f"F{n}")
        for i in range(n):  # each takes its number in the train as it is saved
            Story.objects.create(
                train=world.train,
                team=world.team,
                feature=f,
                iteration=plan.it(1 + i % 3),
                title=f"s{i}",
                points=1,
            )
        services.plan_baseline_commit(actor=world.rte, pi=world.pi)
        Story.objects.filter(feature=f).update(team=world.other_team)  # every card moved since

    grow(2)
    first = world.pi.baselines.order_by("committed_at").first()
    client = api_as("viewer")
    small = (
        _count(client, compare_url(world, first)),
        _count(client, f"/api/v1/pis/{world.pi.pk}/baselines/"),
        _count(page_as("viewer"), plan.url("baselines")),
    )
    for _ in range(3):
        grow(15)
    client = api_as("viewer")
    large = (
        _count(client, compare_url(world, first)),
        _count(client, f"/api/v1/pis/{world.pi.pk}/baselines/"),
        _count(page_as("viewer"), plan.url("baselines")),
    )
    assert small == large


def test_the_page_lists_commits_and_compares_with_the_end_of_planning_one_by_default(
    page_as, world, plan, history
):
    first, _second, _third = history["commits"]
    html = page_as("viewer").get(plan.url("baselines")).content.decode()
    assert "End of planning" in html and "Day 1" in html and "Mid-PI" in html
    assert f"?compare={first.pk}" in html
    # Against commit 2: Alpha 3 → 0, Bravo 15 → 15
    assert "1 moved, 0 added, 1 removed." in html
    assert '<td class="num">3</td><td class="num">0</td><td class="num">-3</td>' in html
    older = page_as("viewer").get(plan.url("baselines") + f"?compare={first.pk}").content.decode()
    assert "2 moved, 1 added, 1 removed." in older
    assert '<td class="num">2</td><td class="num">15</td><td class="num">+13</td>' in older
    assert "<script" not in older.split("</head>", 1)[1].replace('<script src="', "")
    assert page_as("viewer").get(plan.url("baselines") + "?compare=999999").status_code == 404


def test_the_boards_changes_panel_links_to_the_commits(page_as, world, plan, history):
    html = page_as("viewer").get(plan.fragment("changes"), HTTP_HX_REQUEST="true").content.decode()
    assert plan.url("baselines") in html
