"""The runnable examples of docs/api.md ("Keeping Railyard in step with Jira") run against a live
server as the walk-through says: the sync script twice (the second run changes nothing) and the
webhook receiver verifying a real, signed delivery."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

from tests.asgi_servers import PASSWORD, ROOT, AsgiServer, Session, copy_database, shared_seed

EXAMPLES = ROOT / "docs" / "examples"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sync(server: AsgiServer) -> dict[str, int]:
    run = subprocess.run(
        [sys.executable, str(EXAMPLES / "jira_sync.py"), "--url", server.url, "--password", PASSWORD],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_the_sync_example_runs_twice_to_the_same_state_and_the_receiver_verifies_a_delivery(
    tmp_path, tmp_path_factory
):
    database = copy_database(shared_seed(tmp_path_factory), tmp_path / "examples")
    receiver_module = _load("webhook_receiver")
    with AsgiServer(database, RAILYARD_WEBHOOKS_ALLOW_PRIVATE="true") as server:
        # the sync: two epics, two stories, six back-dated transitions; then nothing new
        assert _sync(server) == {
            "created": 2,
            "updated": 0,
            "unchanged": 0,
            "stories_created": 2,
            "stories_kept": 0,
            "transitions": 6,
        }
        assert _sync(server) == {
            "created": 0,
            "updated": 0,
            "unchanged": 2,
            "stories_created": 0,
            "stories_kept": 2,
            "transitions": 0,
        }

        # a webhook to the example receiver, which checks the signature with its copy of the secret
        seen: list[dict] = []
        rte = Session(server.url, "rte")
        trains = rte.api("GET", "trains/?slug=payments-art")
        train = trains["results"][0]["id"]
        receiver = ThreadingHTTPServer(("127.0.0.1", 0), receiver_module.handler_for("", seen))
        hook = rte.api(
            "POST",
            "webhooks/",
            {
                "train": train,
                "url": f"http://127.0.0.1:{receiver.server_port}/hook",
                "events": ["feature.moved"],
            },
        )
        receiver.RequestHandlerClass = receiver_module.handler_for(hook["secret"], seen)
        threading.Thread(target=receiver.serve_forever, daemon=True).start()
        try:
            feature = rte.api("GET", f"features/?train={train}&state=funnel")["results"][0]
            rte.api(
                "POST",
                f"features/{feature['id']}/transitions/",
                {"state": "analyzing", "reason": "Shown in the docs example"},
            )
            deadline = time.monotonic() + 30
            while not seen and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            receiver.shutdown()
    assert [(e["event"], e["train"], e["object"]["id"]) for e in seen] == [
        ("feature.moved", train, feature["id"])
    ]
    assert receiver_module.verify("s3cret", "100", b"{}", "sha256=00", now=100) is False
    assert Path(EXAMPLES / "jira_sync.py").read_text().startswith("#!/usr/bin/env python3")
