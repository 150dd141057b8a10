"""A whole train built from nothing through the API only, with a token, as an integration would:
the train, its teams, people and PI, then the backlog kept in step with a tracker by key (features
in bulk with their back-dated history, stories in bulk, objectives, dependencies and risks). The
board, capacity, predictability and flow read back match figures worked out by hand below; the
same script run again leaves the same state (same rows, same versions, no new history)."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from art.models import (
    ChangeRecord,
    Feature,
    FeatureTransition,
    Iteration,
    Membership,
    Story,
    Team,
    TeamMember,
)
from pi_planning.models import Dependency, Objective, Risk
from tests.art.factories import PASSWORD, UserFactory

# Day 0 of the imported history: midnight (UTC, the train's zone) 60 days ago; the PI starts on
# the Monday before it.
D0 = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0) - dt.timedelta(days=60)
START = (D0 - dt.timedelta(days=D0.weekday())).date()


def day(n: float) -> str:
    return (D0 + dt.timedelta(days=n)).isoformat()


# Back-dated histories (days after D0), worked by hand (docs/domain.md, "Flow"):
# PAY-1 created 0: analyzing 1, ready 3.5, in progress 4, review 6, done 8
#   flow time 8 − 3.5 = 4.5, lead 8 − 0 = 8, cycle 8 − 4 = 4, active 4 (in progress 2 + review 2)
# PAY-2 created 2: ready 4, in progress 5, done 10
#   flow time 6, lead 8, cycle 5, active 5
# PAY-3 (an enabler) created 5: analyzing 6, in progress 9, not done: in WIP from day 9
HISTORIES = {
    "PAY-1": [("analyzing", 1), ("ready", 3.5), ("in_progress", 4), ("review", 6), ("done", 8)],
    "PAY-2": [("ready", 4), ("in_progress", 5), ("done", 10)],
    "PAY-3": [("analyzing", 6), ("in_progress", 9)],
}
FEATURES = [
    # key, title, kind, points, team, created (day), WSJF inputs
    ("PAY-1", "Instant payouts", "business", 5, "Alpha", 0, (8, 5, 3, 2)),
    ("PAY-2", "Payout statements", "business", 3, "Bravo", 2, (5, 3, 1, 3)),
    ("PAY-3", "Ledger service", "enabler", 8, "Alpha", 5, (3, 3, 8, 5)),
]


class Sync:
    """The integration: a token client that creates what is missing and upserts the rest."""

    def __init__(self, token: str):
        self.api = APIClient()
        self.api.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    def call(self, method: str, path: str, body=None, expect=(200, 201)):
        response = getattr(self.api, method)(f"/api/v1/{path}", body, format="json")
        assert response.status_code in expect, (method, path, response.status_code, response.content[:400])
        return response.json() if response.content else None

    def ensure(self, resource: str, query: str, body: dict, *match: str) -> dict:
        """The row the query lists whose `match` fields equal the body's, else a new one
        (for the resources without an external key)."""
        rows = self.call("get", f"{resource}/?{query}&page_size=500")["results"]
        found = [r for r in rows if all(r[name] == body[name] for name in match)]
        return found[0] if found else self.call("post", f"{resource}/", body, expect=(201,))


def run_script(token: str) -> dict:
    sync = Sync(token)
    train = sync.ensure("trains", "slug=payments", {"name": "Payments ART", "slug": "payments"}, "slug")
    t = train["id"]
    teams = {
        name: sync.ensure("teams", f"train={t}", {"train": t, "name": name}, "name")
        for name in ("Alpha", "Bravo")
    }
    alpha, bravo = teams["Alpha"]["id"], teams["Bravo"]["id"]
    sync.ensure("memberships", f"train={t}&user=pm", {"train": t, "user": "pm", "role": "product"}, "user")
    sync.ensure(
        "memberships",
        f"train={t}&user=dev",
        {"train": t, "user": "dev", "role": "member", "team": alpha},
        "user",
    )
    # Alpha: four developers, a tester at half time and a product owner who does not deliver
    # (domain.md's worked example: 4 × 8 + 0.5 × 8 = 36 points a 2-week iteration); Bravo: two
    # developers, 16 points.
    people = [(alpha, f"Dev A{n}", 1, True) for n in range(1, 5)]
    people += [(alpha, "Tester", 0.5, True), (alpha, "PO", 1, False)]
    people += [(bravo, f"Dev B{n}", 1, True) for n in range(1, 3)]
    members = {}
    for team, name, fte, delivering in people:
        members[name] = sync.ensure(
            "team-members",
            f"team={team}",
            {"team": team, "name": name, "fte": fte, "delivering": delivering},
            "name",
        )
    pi = sync.ensure(
        "pis",
        f"train={t}",
        {"train": t, "name": "PI 1", "start_date": START.isoformat(), "iterations": 5},
        "name",
    )
    its = sync.call("get", f"iterations/?pi={pi['id']}&ordering=number")["results"]
    # Dev A1 is away 2 days in iteration 1: Alpha's capacity there is 36 − 2 = 34.
    sync.ensure(
        "absences",
        f"member={members['Dev A1']['id']}&iteration={its[0]['id']}",
        {"member": members["Dev A1"]["id"], "iteration": its[0]["id"], "days": 2},
        "member",
    )

    team_ids = {"Alpha": alpha, "Bravo": bravo}
    features = sync.call(
        "post",
        f"features/bulk/?train={t}",
        [
            {
                "external_key": key,
                "title": title,
                "kind": kind,
                "points": points,
                "pi": pi["id"],
                "team": team_ids[team],
                "created_at": day(created),
                "user_business_value": ubv,
                "time_criticality": tc,
                "risk_reduction": rr,
                "job_size": size,
            }
            for key, title, kind, points, team, created, (ubv, tc, rr, size) in FEATURES
        ],
    )
    by_key = {f["external_key"]: f for f in features}
    for key, history in HISTORIES.items():
        # import what the tracker has that Railyard has not: the changes after the latest one
        known = sync.call("get", f"features/{by_key[key]['id']}/transitions/")
        latest = max(dt.datetime.fromisoformat(x["at"]) for x in known)
        missing = [{"state": s, "at": day(n)} for s, n in history if D0 + dt.timedelta(days=n) > latest]
        if missing:
            sync.call("post", f"features/{by_key[key]['id']}/transitions/", missing, expect=(201,))

    stories = [  # Alpha: 5 + 8 in iteration 1; Bravo: 3 in iteration 2
        ("PAY-11", "PAY-1", alpha, its[0]["id"], 5),
        ("PAY-12", "PAY-1", alpha, its[0]["id"], 8),
        ("PAY-21", "PAY-2", bravo, its[1]["id"], 3),
    ]
    sync.call(
        "post",
        f"stories/bulk/?train={t}",
        [
            {
                "external_key": k,
                "feature": by_key[f]["id"],
                "team": team,
                "iteration": it,
                "title": f"Story {k}",
                "points": p,
                "state": "done",
            }
            for k, f, team, it, p in stories
        ],
    )
    objectives = [  # (key, team, committed, planned, actual)
        ("OBJ-A1", alpha, True, 8, 8),
        ("OBJ-A2", alpha, False, 3, 3),
        ("OBJ-B1", bravo, True, 5, 3),
    ]
    for key, team, committed, planned, actual in objectives:
        sync.call(
            "put",
            f"objectives/by-key/{key}/?train={t}",
            {
                "pi": pi["id"],
                "team": team,
                "title": f"Objective {key}",
                "committed": committed,
                "planned_bv": planned,
                "actual_bv": actual,
            },
        )
    sync.call(
        "put",
        f"dependencies/by-key/DEP-1/?train={t}",
        {
            "pi": pi["id"],
            "requester_team": alpha,
            "provider_team": bravo,
            "needed_by": its[2]["id"],
            "title": "Ledger API",
            "feature": by_key["PAY-1"]["id"],
        },
    )
    sync.call(
        "put",
        f"risks/by-key/RISK-1/?train={t}",
        {"title": "Card scheme certification late", "pi": pi["id"], "roam": "owned", "owner": "Dana"},
    )
    return {
        "train": t,
        "pi": pi["id"],
        "alpha": alpha,
        "bravo": bravo,
        "iterations": [i["id"] for i in its],
        "features": {k: f["id"] for k, f in by_key.items()},
    }


def state() -> dict:
    """Everything the script touches: rows and versions, and the history's length."""
    return {
        "counts": [
            m.objects.count()
            for m in (
                Team,
                Membership,
                TeamMember,
                Iteration,
                Feature,
                FeatureTransition,
                Story,
                Objective,
                Dependency,
                Risk,
            )
        ],
        "versions": [
            sorted(m.objects.values_list("external_key", "version"))
            for m in (Feature, Story, Objective, Dependency, Risk)
        ],
        "history": ChangeRecord.objects.count(),
    }


@pytest.mark.django_db
def test_a_whole_train_is_built_by_api_and_reads_back_as_worked_by_hand(django_capture_on_commit_callbacks):
    UserFactory(username="admin", is_superuser=True, is_staff=True)
    UserFactory(username="pm")
    UserFactory(username="dev")
    token = (
        APIClient()
        .post("/api/v1/auth/token/", {"username": "admin", "password": PASSWORD}, format="json")
        .json()["token"]
    )

    with django_capture_on_commit_callbacks(execute=True):
        ids = run_script(token)
    api = Sync(token)

    # the board: both teams, the five iterations, the three features and their stories
    board = api.call("get", f"pis/{ids['pi']}/board/")
    assert [t["name"] for t in board["teams"]] == ["Alpha", "Bravo"]
    assert len(board["iterations"]) == 5 and board["iterations"][-1]["is_ip"] is True
    assert {f["id"] for f in board["features"]} == set(ids["features"].values())
    assert len(board["stories"]) == 3 and len(board["dependencies"]) == 1
    # WSJF order (cost of delay ÷ job size): PAY-1 16/2 = 8, PAY-2 9/3 = 3, PAY-3 14/5 = 2.8
    assert [f["id"] for f in board["features"]] == [ids["features"][k] for k in ("PAY-1", "PAY-2", "PAY-3")]

    # capacity: Alpha 36 (34 in iteration 1, Dev A1 away 2 days), Bravo 16
    cells = {(c["team"], c["iteration"]): c for c in api.call("get", f"pis/{ids['pi']}/capacity/")}
    first, second = ids["iterations"][:2]
    assert (cells[(ids["alpha"], first)]["capacity"], cells[(ids["alpha"], first)]["load"]) == (34, 13)
    assert cells[(ids["alpha"], first)]["load_pct"] == 38.24  # 13 ÷ 34
    assert cells[(ids["alpha"], second)]["capacity"] == 36
    assert (cells[(ids["bravo"], second)]["capacity"], cells[(ids["bravo"], second)]["load"]) == (16, 3)
    assert cells[(ids["bravo"], second)]["load_pct"] == 18.75  # 3 ÷ 16

    # predictability: Alpha (8 + 3) ÷ 8 = 137.5 %, Bravo 3 ÷ 5 = 60 %, the train 14 ÷ 13 = 107.69 %
    report = api.call("get", f"metrics/predictability/?pi={ids['pi']}")
    assert (report["planned"], report["actual"], report["percent"]) == (13, 14, 107.69)
    teams = {t["team"]: t["percent"] for t in report["teams"]}
    assert teams == {ids["alpha"]: 137.5, ids["bravo"]: 60.0}

    # flow over days 0–10 (end exclusive: day 11): PAY-1 and PAY-2 finished
    start, end = D0.date(), (D0 + dt.timedelta(days=11)).date()
    flow = api.call("get", f"metrics/flow/?train={ids['train']}&start={start}&end={end}")
    assert flow["velocity"] == {"count": 2, "points": 8}
    assert flow["flow_time"] == {"count": 2, "mean": 5.25, "median": 5.25, "p85": 6.0}  # 4.5 and 6
    assert flow["lead_time"] == {"count": 2, "mean": 8.0, "median": 8.0, "p85": 8.0}  # 8 and 8
    assert flow["cycle_time"] == {"count": 2, "mean": 4.5, "median": 4.5, "p85": 5.0}  # 4 and 5
    assert flow["efficiency"] == 85.71  # (4 + 5) ÷ (4.5 + 6)
    business = flow["distribution"]["business"]
    assert (business["count"], business["points"], business["features"]) == (100.0, 100.0, 2)
    # WIP at the end of day 9: PAY-1 done; PAY-2 in progress; PAY-3 in progress since day 9
    load = {point["date"]: point["wip"] for point in flow["load"]}
    assert load[(D0 + dt.timedelta(days=9)).date().isoformat()] == 2
    assert load[(D0 + dt.timedelta(days=10)).date().isoformat()] == 1

    # the same script again: the same state, nothing recorded
    before = state()
    with django_capture_on_commit_callbacks(execute=True):
        again = run_script(token)
    assert again == ids
    assert state() == before
