"""Fuzzing the REST API against its own schema (issue: "no input produces a 500 or a response
that breaks the schema; the schema lists every error response").

Schemathesis reads the OpenAPI schema of a live server (daphne on a copy of the seeded demo
database, as `make run` serves it, with DEBUG off as in production) and sends generated valid
and invalid requests to every operation, signed in with the administrator's token. Each
answer must not be a server error, must have a status code and content type the schema lists,
and must match the schema of that status. Bounded: a fixed seed, a few examples per
operation, and a time budget."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.asgi_servers import PASSWORD, AsgiServer, copy_database, shared_seed

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
SEED = "20261205"
EXAMPLES = "3"
MAX_SECONDS = "180"


def _token(base: str) -> str:
    request = urllib.request.Request(
        f"{base}/api/v1/auth/token/",
        data=json.dumps({"username": "admin", "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["token"]


def test_no_generated_request_breaks_the_api_or_its_schema(tmp_path, tmp_path_factory):
    database = copy_database(shared_seed(tmp_path_factory), tmp_path / "fuzz")
    rates = {"RAILYARD_API_RATE_USER": "100000000/min", "RAILYARD_API_RATE_ANON": "100000000/min"}
    with AsgiServer(database, DJANGO_DEBUG="false", **rates) as server:
        token = _token(server.url)
        command = [
            str(Path(sys.executable).parent / "st"),
            "run",
            f"{server.url}/api/v1/schema/",
            "--header",
            f"Authorization: Token {token}",
            "--checks",
            CHECKS,
            "--max-examples",
            EXAMPLES,
            "--seed",
            SEED,
            "--max-time",
            MAX_SECONDS,
            "--no-color",
            # Revoking the token the run signs in with would leave the rest of it unauthorised.
            "--exclude-path-regex",
            r"tokens/\{id\}/revoke",
        ]
        run = subprocess.run(command, capture_output=True, text=True, timeout=540, check=False)
    failures = run.stdout.find("FAILURES")
    report = (
        (run.stdout[failures : failures + 10000] if failures >= 0 else "")
        + run.stdout[-3000:]
        + run.stderr[-2000:]
    )
    assert run.returncode == 0, report
    assert "Tested:" in run.stdout, report
