"""PI objectives: predictability with hand-worked figures over two PIs (page and API), who may
write what (team text vs business values), validation naming the rule, versions and history."""

import datetime as dt
import re

import pytest

from art.models import ChangeRecord
from pi_planning import services
from pi_planning.models import Objective
from tests.art.factories import FeatureFactory, PIFactory, TeamFactory
from tests.pi_planning.factories import ObjectiveFactory

pytestmark = pytest.mark.django_db


def objective(pi, team, title, committed, planned, actual):
    return ObjectiveFactory(
        pi=pi, team=team, title=title, committed=committed, planned_bv=planned, actual_bv=actual
    )


@pytest.fixture
def two_pis(world):
    """Given two PIs with objectives worked by hand.

    PI 26.1 (closed):
      Alpha   committed 8→8, 5→3, 2→2, uncommitted 3→3     16 / 15 = 106.67 % (stretch delivered)
      Bravo   committed 10→6, 10→8                           14 / 20 = 70.00 %
      Charlie uncommitted 4→4 only                          n/a (nothing committed), adds 4
      Train   (16 + 14 + 4) / (15 + 20) = 34 / 35 = 97.14 % (the mean of the teams would be 88.33)
    PI 26.2:
      Alpha   committed 6→5, 4→(not scored)                  not scored
      Bravo   committed 5→5                                  100.00 %
      Charlie no objectives                                  n/a
      Train   not scored (an objective is not scored yet)
    """
    charlie = TeamFactory(train=world.train, name="Charlie")
    first = world.pi
    first.state = "closed"
    first.save()
    second = PIFactory(train=world.train, name="PI 26.2", start_date=dt.date(2026, 3, 16))
    a, b = world.team, world.other_team
    objective(first, a, "Alpha one", True, 8, 8)
    objective(first, a, "Alpha two", True, 5, 3)
    objective(first, a, "Alpha three", True, 2, 2)
    objective(first, a, "Alpha stretch", False, 3, 3)
    objective(first, b, "Bravo one", True, 10, 6)
    objective(first, b, "Bravo two", True, 10, 8)
    objective(first, charlie, "Charlie stretch", False, 4, 4)
    objective(second, a, "Alpha next", True, 6, 5)
    objective(second, a, "Alpha unscored", True, 4, None)
    objective(second, b, "Bravo next", True, 5, 5)
    return {"first": first, "second": second, "charlie": charlie}


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- predictability ---------------------------------------------------------------------------


def test_the_objectives_page_shows_each_teams_and_the_trains_predictability(world, two_pis, page_as, urls):
    response = page_as("viewer").get(urls.page("objectives", pi=two_pis["first"]))
    assert response.status_code == 200
    body = text(response)
    # Team figures with one decimal, the train's from sums, the rule one click away.
    assert re.search(rf'id="team-{world.team.pk}".*?106\.7 %', body)
    assert re.search(rf'id="team-{world.other_team.pk}".*?70\.0 %', body)
    assert re.search(rf'id="team-{two_pis["charlie"].pk}".*?n/a', body)
    summary = body[body.index('id="objectives-summary"') : body.index('class="objectives-grid"')]
    assert "97.1 %" in summary and "88.3" not in summary
    assert re.search(r"Committed planned BV</dt> ?<dd>35</dd>", summary)
    assert re.search(r"Actual BV \(all objectives\)</dt> ?<dd>34</dd>", summary)
    assert "not the mean of the team percentages" in summary
    assert "/metrics/definitions/#predictability" in summary


def test_the_second_pi_is_not_scored_and_a_team_without_objectives_is_na(world, two_pis, page_as, urls):
    body = text(page_as("member").get(urls.page("objectives", pi=two_pis["second"])))
    assert re.search(rf'id="team-{world.team.pk}".*?title="1 objective still to score">.*?not scored', body)
    # Alpha's sums: the one scored (5) with the one still to score named, never counted as 0.
    assert re.search(rf'id="team-{world.team.pk}".*?Actual 5 \(1 not scored\) · planned 10 BV', body)
    assert re.search(rf'id="team-{world.other_team.pk}".*?Actual 5 · planned 5 BV', body)
    assert re.search(rf'id="team-{world.other_team.pk}".*?100\.0 %', body)
    assert re.search(rf'id="team-{two_pis["charlie"].pk}".*?n/a', body)
    summary = body[body.index('id="objectives-summary"') : body.index('class="objectives-grid"')]
    assert re.search(r"Train predictability</dt> ?<dd> ?<span[^>]*>.*?not scored", summary)
    assert re.search(r"Committed planned BV</dt> ?<dd>15</dd>", summary)
    assert re.search(r"Actual BV \(all objectives\)</dt> ?<dd>10</dd> ?<p[^>]*>1 not scored yet", summary)
    # Across PIs: the table has both PIs, each team's figure and the train's.
    history = summary[summary.index('id="predictability-history"') :]
    assert history.index("PI 26.1") < history.index("PI 26.2")
    assert "106.7 %" in history and "70.0 %" in history and "97.1 %" in history and "100.0 %" in history


def test_a_pi_with_nothing_scored_says_not_scored_not_0(world, page_as, urls):
    # given Alpha committed 8 and 5 and Bravo 3 (uncommitted), and no business owner scored yet
    objective(world.pi, world.team, "Alpha one", True, 8, None)
    objective(world.pi, world.team, "Alpha two", True, 5, None)
    objective(world.pi, world.other_team, "Bravo stretch", False, 3, None)
    body = text(page_as("viewer").get(urls.page("objectives")))
    summary = body[body.index('id="objectives-summary"') : body.index('class="objectives-grid"')]
    # then the train's actual BV reads "not scored", never 0; the planned sum is there
    assert re.search(
        r'Actual BV \(all objectives\)</dt> ?<dd><span class="not-scored">not scored</span></dd>', summary
    )
    assert re.search(r"Committed planned BV</dt> ?<dd>13</dd>", summary)
    assert not re.search(r"<dd>0</dd>", summary)
    # and each team says so too (Bravo has nothing committed: planned n/a)
    assert re.search(
        rf'id="team-{world.team.pk}".*?Actual <span class="not-scored">not scored</span> · planned 13 BV',
        body,
    )
    assert re.search(
        rf'id="team-{world.other_team.pk}".*?Actual <span class="not-scored">not scored</span> · planned '
        r'<span class="not-scored">n/a</span>',
        body,
    )


@pytest.mark.parametrize(
    "scores, planned, actual",
    [
        # (committed, planned, actual) per objective → planned (text, note), actual (text, note)
        ([], ("n/a", "no committed objective"), ("n/a", "no objective")),
        ([(True, 8, None), (True, 5, None)], ("13", ""), ("not scored", "2 not scored")),
        ([(True, 8, 8), (True, 5, None), (False, 3, 3)], ("13", ""), ("11", "1 not scored")),
        ([(True, 8, 8), (True, 5, 3), (True, 2, 2), (False, 3, 3)], ("15", ""), ("16", "")),  # domain.md
        ([(True, None, None), (False, 3, 2)], ("not set", "1 not set"), ("2", "1 not scored")),
        ([(True, 8, 0), (True, None, 0)], ("8", "1 not set"), ("0", "")),  # scored 0 is 0
        ([(False, 4, 4)], ("n/a", "no committed objective"), ("4", "")),
    ],
)
def test_bv_sums_read_not_scored_rather_than_0(scores, planned, actual):
    from art import rules
    from pi_planning.views.objectives import bv_display

    objectives = [Objective(team_id=1, committed=c, planned_bv=p, actual_bv=a) for c, p, a in scores]
    result = rules.predictability.predictability(
        [rules.predictability.ObjectiveScore(1, c, p, a) for c, p, a in scores]
    )
    shown = bv_display(result, objectives)
    assert (shown["planned"]["text"], shown["planned"]["note"]) == planned
    assert (shown["actual"]["text"], shown["actual"]["note"]) == actual


def test_the_api_gives_the_same_figures_over_two_pis(world, two_pis, api_as):
    response = api_as("viewer").get(f"/api/v1/metrics/predictability/?train={world.train.pk}")
    assert response.status_code == 200, response.content
    pis = {p["pi"]: p for p in response.json()["pis"]}
    first, second = pis[two_pis["first"].pk], pis[two_pis["second"].pk]
    assert (first["planned"], first["actual"], first["percent"]) == (35, 34, 97.14)
    teams = {t["team"]: t for t in first["teams"]}
    assert teams[world.team.pk]["percent"] == 106.67
    assert teams[world.other_team.pk]["percent"] == 70.0
    assert teams[two_pis["charlie"].pk]["percent"] is None
    assert second["percent"] is None
    # The objectives themselves, as scored, from objectives/.
    listed = api_as("viewer").get(f"/api/v1/objectives/?pi={two_pis['first'].pk}&team={world.team.pk}").json()
    assert sorted((o["committed"], o["planned_bv"], o["actual_bv"]) for o in listed["results"]) == [
        (False, 3, 3),
        (True, 2, 2),
        (True, 5, 3),
        (True, 8, 8),
    ]


# --- who writes what: pages ------------------------------------------------------------------


def test_a_team_member_edits_the_text_and_the_business_values_are_disabled(world, page_as, htmx, urls):
    obj = ObjectiveFactory(pi=world.pi, team=world.team, title="Launch", planned_bv=5)
    page_as("member")
    form = htmx.get(urls.page("objectives") + f"?edit={obj.pk}", target=f"team-{world.team.pk}")
    html = form.content.decode()
    assert form.status_code == 200 and 'name="title"' in html
    assert re.search(r'<input[^>]*name="planned_bv"[^>]*disabled', html)
    assert "Business values are set by business owners" in html
    response = htmx.post(
        urls.page("objective_update", objective_id=obj.pk),
        {
            "title": "Launch to pilots",
            "initial-title": "Launch",
            "committed": "on",
            "initial-committed": "True",
            "version": 1,
        },
        target=f"team-{world.team.pk}",
    )
    assert response.status_code == 200
    assert "Launch to pilots" in response.content.decode()
    obj.refresh_from_db()
    assert (obj.title, obj.planned_bv, obj.version) == ("Launch to pilots", 5, 2)


def test_a_team_member_who_sends_business_values_anyway_is_refused(world, page_as, htmx, urls):
    obj = ObjectiveFactory(pi=world.pi, team=world.team, planned_bv=5)
    page_as("member")
    response = htmx.post(urls.page("objective_update", objective_id=obj.pk), {"planned_bv": 10, "version": 1})
    assert response.status_code == 403
    obj.refresh_from_db()
    assert obj.planned_bv == 5


def test_a_business_owner_scores_but_cannot_change_the_text(world, page_as, htmx, urls):
    obj = ObjectiveFactory(pi=world.pi, team=world.team, title="Launch", planned_bv=5)
    page_as("business_owner")
    form = htmx.get(
        urls.page("objectives") + f"?edit={obj.pk}", target=f"team-{world.team.pk}"
    ).content.decode()
    assert 'name="title"' not in form and re.search(r'<input[^>]*name="actual_bv"(?![^>]*disabled)', form)
    response = htmx.post(
        urls.page("objective_update", objective_id=obj.pk),
        {"planned_bv": 5, "initial-planned_bv": 5, "actual_bv": 4, "initial-actual_bv": "", "version": 1},
    )
    assert response.status_code == 200
    obj.refresh_from_db()
    assert (obj.planned_bv, obj.actual_bv) == (5, 4)
    assert (
        htmx.post(
            urls.page("objective_update", objective_id=obj.pk), {"title": "Mine", "version": 2}
        ).status_code
        == 403
    )


def test_business_values_out_of_range_are_refused_with_the_rule(world, page_as, htmx, urls):
    obj = ObjectiveFactory(pi=world.pi, team=world.team, planned_bv=5)
    page_as("rte")
    response = htmx.post(
        urls.page("objective_update", objective_id=obj.pk),
        {
            "title": obj.title,
            "initial-title": obj.title,
            "committed": "on",
            "initial-committed": "True",
            "planned_bv": 11,
            "initial-planned_bv": 5,
            "version": 1,
        },
    )
    assert response.status_code == 422
    assert "Planned_bv must be between 1 and 10" in response.content.decode()
    obj.refresh_from_db()
    assert obj.planned_bv == 5


def test_another_teams_member_and_the_viewer_cannot_edit(world, page_as, htmx, urls):
    obj = ObjectiveFactory(pi=world.pi, team=world.team)
    for role in ("other_member", "viewer", "product"):
        page_as(role)
        assert (
            htmx.post(
                urls.page("objective_update", objective_id=obj.pk), {"title": "x", "version": 1}
            ).status_code
            == 403
        )
    page_as("outsider")
    assert htmx.post(urls.page("objective_update", objective_id=obj.pk), {"title": "x"}).status_code == 404
    assert page_as("outsider").get(urls.page("objectives")).status_code == 404
    assert page_as(None).get(urls.page("objectives")).status_code == 302


def test_a_team_member_adds_an_objective_with_linked_features(world, page_as, htmx, urls):
    feature = FeatureFactory(train=world.train, pi=world.pi, team=world.team, title="Payouts")
    page_as("member")
    response = htmx.post(
        urls.page("objective_create"),
        {"team": world.team.pk, "title": "Ship payouts", "committed": "on", "features": [feature.pk]},
        target=f"team-{world.team.pk}",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Ship payouts" in body and "Payouts" in body and 'hx-swap-oob="true"' in body
    created = Objective.objects.get(title="Ship payouts")
    assert list(created.features.all()) == [feature] and created.committed and created.planned_bv is None
    # Another team's member may not write objectives for Alpha.
    page_as("other_member")
    assert htmx.post(urls.page("objective_create"), {"team": world.team.pk, "title": "x"}).status_code == 403


def test_a_stale_edit_shows_what_changed_and_a_retry_form(world, page_as, htmx, urls):
    obj = ObjectiveFactory(pi=world.pi, team=world.team, title="Launch", description="", planned_bv=5)
    # Someone else changes the title after the member opened the form at version 1.
    services.objective_update(actor=world.rte, objective=obj, version=1, title="Launch v2")
    page_as("member")
    response = htmx.post(
        urls.page("objective_update", objective_id=obj.pk),
        {
            "title": "Launch",
            "initial-title": "Launch",
            "description": "For pilots",
            "initial-description": "",
            "committed": "on",
            "initial-committed": "True",
            "version": 1,
        },
    )
    assert response.status_code == 409
    body = text(response)
    assert (
        "Someone else changed this card" in body and "You started from version 1; it is now version 2" in body
    )
    assert re.search(r"Title.*?changed by someone else.*?Launch.*?unchanged.*?Launch v2", body)
    assert re.search(r"Description.*?For pilots", body)
    # The retry form carries the current version, the current values as "seen" and only the edit.
    assert 'name="version" value="2"' in body
    assert 'name="initial-title" value="Launch v2"' in body
    obj.refresh_from_db()
    assert (obj.title, obj.description) == ("Launch v2", "")


def test_every_change_is_in_the_cards_history(world, page_as, urls):
    obj = services.objective_create(actor=world.member, pi=world.pi, team=world.team, title="Launch")
    services.objective_update(actor=world.business_owner, objective=obj, planned_bv=8)
    body = text(page_as("viewer").get(urls.page("objectives")))
    card = body[body.index(f'id="objective-{obj.pk}"') :]
    assert 'History <span class="count">2</span>' in card
    owner = world.business_owner.get_full_name()
    assert re.search(rf"{owner}</strong> changed.*?Planned BV.*?—.*?8", card)
    assert ChangeRecord.objects.filter(object_id=obj.pk).count() == 2


# --- who writes what: API ---------------------------------------------------------------------


def test_api_team_members_write_text_business_owners_values(world, api_as):
    obj = ObjectiveFactory(pi=world.pi, team=world.team, title="Launch", planned_bv=5)
    url = f"/api/v1/objectives/{obj.pk}/"

    def current() -> int:  # each write states the version it is based on
        return Objective.objects.get(pk=obj.pk).version

    member, owner = api_as("member"), api_as("business_owner")
    assert member.patch(url, {"planned_bv": 8, "version": current()}, format="json").status_code == 403
    assert member.patch(url, {"title": "Launch!", "version": current()}, format="json").status_code == 200
    # Sending back an unchanged value is not a business-value change.
    assert (
        member.put(
            url,
            {"title": "Launch!!", "committed": True, "planned_bv": 5, "version": current()},
            format="json",
        ).status_code
        == 200
    )
    assert owner.patch(url, {"title": "Mine", "version": current()}, format="json").status_code == 403
    response = owner.patch(url, {"actual_bv": 4, "version": current()}, format="json")
    assert response.status_code == 200 and response.json()["actual_bv"] == 4
    assert response["ETag"] == f'"{response.json()["version"]}"'
    assert (
        api_as("rte")
        .patch(url, {"title": "RTE", "planned_bv": 6, "version": current()}, format="json")
        .status_code
        == 200
    )
    for role, status in (
        ("other_member", 403),
        ("viewer", 403),
        ("product", 403),
        ("outsider", 404),
        (None, 401),
    ):
        assert (
            api_as(role).patch(url, {"title": "x", "version": current()}, format="json").status_code == status
        ), role


def test_api_create_needs_the_team_and_business_values_need_an_owner(world, api_as):
    body = {"pi": world.pi.pk, "team": world.team.pk, "title": "Ship it", "committed": False}
    assert api_as("member").post("/api/v1/objectives/", body, format="json").status_code == 201
    assert (
        api_as("member").post("/api/v1/objectives/", {**body, "planned_bv": 3}, format="json").status_code
        == 403
    )
    assert api_as("other_member").post("/api/v1/objectives/", body, format="json").status_code == 403
    assert api_as("business_owner").post("/api/v1/objectives/", body, format="json").status_code == 403
    created = api_as("rte").post("/api/v1/objectives/", {**body, "planned_bv": 3}, format="json")
    assert created.status_code == 201 and created.json()["planned_bv"] == 3 and created.json()["version"] == 1


def test_api_business_values_name_the_rule(world, api_as):
    obj = ObjectiveFactory(pi=world.pi, team=world.team, planned_bv=5)
    owner = api_as("business_owner")
    response = owner.patch(
        f"/api/v1/objectives/{obj.pk}/", {"planned_bv": 0, "version": obj.version}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"planned_bv": ["planned_bv must be between 1 and 10"]}
    response = owner.patch(
        f"/api/v1/objectives/{obj.pk}/", {"actual_bv": 11, "version": obj.version}, format="json"
    )
    assert response.json() == {"actual_bv": ["actual_bv must be between 0 and 10"]}


def test_api_stale_version_409_and_stale_if_match_412(world, api_as):
    obj = ObjectiveFactory(pi=world.pi, team=world.team, planned_bv=5)
    owner = api_as("business_owner")
    assert (
        owner.patch(
            f"/api/v1/objectives/{obj.pk}/", {"actual_bv": 5, "version": 1}, format="json"
        ).status_code
        == 200
    )
    stale = owner.patch(f"/api/v1/objectives/{obj.pk}/", {"actual_bv": 3, "version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["current"]["actual_bv"] == 5
    stale = owner.patch(f"/api/v1/objectives/{obj.pk}/", {"actual_bv": 3}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412 and stale["ETag"] == '"2"'
    obj.refresh_from_db()
    assert (obj.actual_bv, obj.version) == (5, 2)


def test_api_history_of_an_objective(world, api_as):
    obj = services.objective_create(actor=world.member, pi=world.pi, team=world.team, title="Launch")
    services.objective_update(actor=world.business_owner, objective=obj, planned_bv=8)
    rows = api_as("viewer").get(f"/api/v1/objectives/{obj.pk}/history/").json()
    assert [(r["actor"], r["action"]) for r in rows] == [("business_owner", "updated"), ("member", "created")]
    assert rows[0]["changes"] == {"planned_bv": [None, 8]}
