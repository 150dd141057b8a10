#!/usr/bin/env python3
"""Keep a Railyard train in step with a tracker such as Jira: the walk-through of docs/api.md,
"Keeping Railyard in step with Jira", as a script you can run (Python 3.11+, standard library).

    RAILYARD_URL=http://127.0.0.1:8000 RAILYARD_USER=rte RAILYARD_PASSWORD=railyard-demo \
        python docs/examples/jira_sync.py --train payments-art

It signs in for a token named "jira-sync" (the same name again rotates that token instead of
adding one), then mirrors ISSUES below, which stand for what your tracker's API returns:

1. every epic as a feature, in one bulk request: an item with an `external_key` is an upsert,
   so a second run changes nothing (each item answers "unchanged");
2. every story by its key: PUT stories/by-key/{key}/ creates it (201) or updates it (200);
3. each epic's state history, back-dated, in one request per feature: only the changes after the
   latest one Railyard holds, so a second run sends nothing and the flow metrics count the work
   from the day it started.

It prints what it did and exits 0; run it twice and the second run reports no change."""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from typing import Any

#: What the tracker holds (in real life: read from Jira's REST API or a CSV export).
EPICS: list[dict[str, Any]] = [
    {
        "key": "SYNC-1",
        "summary": "Instalment payments at checkout",
        "type": "business",
        "points": 13,
        "team": "Checkout",
        "created": "2026-09-01T08:00:00Z",
        "history": [("ready", "2026-09-07T09:00:00Z"), ("in_progress", "2026-09-14T09:00:00Z")],
    },
    {
        "key": "SYNC-2",
        "summary": "Ledger export to the data warehouse",
        "type": "enabler",
        "points": 8,
        "team": "Ledger",
        "created": "2026-09-03T08:00:00Z",
        "history": [
            ("ready", "2026-09-10T09:00:00Z"),
            ("in_progress", "2026-09-21T09:00:00Z"),
            ("review", "2026-10-05T09:00:00Z"),
            ("done", "2026-10-12T15:30:00Z"),
        ],
    },
]
STORIES: list[dict[str, Any]] = [
    {
        "key": "SYNC-11",
        "summary": "Instalment plan picker",
        "epic": "SYNC-1",
        "team": "Checkout",
        "points": 5,
    },
    {"key": "SYNC-21", "summary": "Nightly ledger extract", "epic": "SYNC-2", "team": "Ledger", "points": 3},
]


class Railyard:
    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/") + "/api/v1/"
        self.token = ""

    def call(self, method: str, path: str, body: Any = None, **query: Any) -> tuple[int, Any]:
        url = self.base + path + (f"?{urllib.parse.urlencode(query)}" if query else "")
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            detail = error.read().decode(errors="replace")
            raise SystemExit(f"{method} {path}: {error.code} {detail}") from None

    def sign_in(self, username: str, password: str) -> None:
        _, answer = self.call(
            "POST", "auth/token/", {"username": username, "password": password, "name": "jira-sync"}
        )
        self.token = answer["token"]


def sync(api: Railyard, train_slug: str) -> dict[str, int]:
    _, trains = api.call("GET", "trains/", slug=train_slug)
    if not trains["results"]:
        raise SystemExit(f"no train {train_slug!r} that this user belongs to")
    train = trains["results"][0]["id"]
    _, teams = api.call("GET", "teams/", train=train, page_size=500)
    team_ids = {team["name"]: team["id"] for team in teams["results"]}
    done = {
        "created": 0,
        "updated": 0,
        "unchanged": 0,
        "stories_created": 0,
        "stories_kept": 0,
        "transitions": 0,
    }

    # 1. Epics → features, all or nothing in one request.
    items = [
        {
            "external_key": epic["key"],
            "title": epic["summary"],
            "kind": epic["type"],
            "points": epic["points"],
            "team": team_ids.get(epic["team"]),
            "created_at": epic["created"],
        }
        for epic in EPICS
    ]
    _, features = api.call("POST", "features/bulk/", items, train=train)
    feature_ids = {feature["external_key"]: feature["id"] for feature in features}
    for feature in features:
        done[feature["status"]] += 1

    # 2. Stories, one upsert each (PUT by key).
    for story in STORIES:
        body = {
            "title": story["summary"],
            "team": team_ids[story["team"]],
            "feature": feature_ids[story["epic"]],
            "points": story["points"],
        }
        status, _ = api.call("PUT", f"stories/by-key/{urllib.parse.quote(story['key'])}/", body, train=train)
        done["stories_created" if status == 201 else "stories_kept"] += 1

    # 3. Each epic's history after the latest change Railyard holds, back-dated.
    for epic in EPICS:
        feature_id = feature_ids[epic["key"]]
        _, history = api.call("GET", f"features/{feature_id}/transitions/")
        latest = max((t["at"] for t in history), default="")
        new = [{"state": state, "at": at} for state, at in epic["history"] if _after(at, latest)]
        if new:
            api.call("POST", f"features/{feature_id}/transitions/", new)
            done["transitions"] += len(new)
    return done


def _after(at: str, latest: str) -> bool:
    if not latest:
        return True
    return _time(at) > _time(latest)


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("RAILYARD_URL", "http://127.0.0.1:8000"))
    parser.add_argument("--user", default=os.environ.get("RAILYARD_USER", "rte"))
    parser.add_argument("--password", default=os.environ.get("RAILYARD_PASSWORD", ""))
    parser.add_argument(
        "--train", default=os.environ.get("RAILYARD_TRAIN", "payments-art"), help="the train's slug"
    )
    args = parser.parse_args(argv)
    if not args.password:
        parser.error("give --password (or RAILYARD_PASSWORD)")
    api = Railyard(args.url)
    api.sign_in(args.user, args.password)
    done = sync(api, args.train)
    print(json.dumps(done))
    return 0


if __name__ == "__main__":
    sys.exit(main())
