"""Real ASGI servers in their own processes, for what only they show: WebSocket live updates
between browsers, between two web processes sharing Redis, and across a server restart.

Each server runs the project as `make run` does (daphne, the embedded SQLite default) on a
seeded demo database of its own in a temporary folder: never the database or Redis keys of the
test run or of a developer. Used by tests/browser/test_live.py, tests/art/test_live_processes.py
and bench/live_latency.py.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "railyard-demo"
#: The environment variables of the test run that a server must not inherit.
PRIVATE = ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "SQLITE_PATH", "RAILYARD_LIVE_PREFIX")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(sqlite_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in PRIVATE and not k.startswith("PYTEST_")}
    env.update(
        SQLITE_PATH=str(sqlite_path),
        DJANGO_SETTINGS_MODULE="art.settings.local",
        DJANGO_DEBUG="true",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def seed_database(folder: Path) -> Path:
    """A migrated database with the demo train (payments-art), made once per folder."""
    path = folder / "db.sqlite3"
    if path.exists():
        return path
    env = server_env(path)
    for command in (["migrate", "--noinput", "-v0"], ["seed_demo"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=300,
        )
    return path


def _schema_fingerprint() -> str:
    import hashlib

    digest = hashlib.sha256()
    for path in sorted([*ROOT.glob("*/migrations/*.py"), *ROOT.glob("*/demo/*.py")]):
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def shared_seed(tmp_path_factory: Any) -> Path:
    """The seeded demo database, made once for the whole run: the first test process to need it
    builds it under the run's common temporary folder (an xdist worker waits for another that is
    building it), the others reuse it. Copy it before serving it (copy_database)."""
    import fcntl

    # Named after the migrations and the demo's code, so a seed made before a schema change is
    # never served again (the folder outlives the run).
    folder = tmp_path_factory.getbasetemp().parent / f"railyard-demo-seed-{_schema_fingerprint()}"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            done = folder / ".done"
            if not done.exists():
                for stale in folder.glob("db.sqlite3*"):
                    stale.unlink()
                seed_database(folder)
                done.touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return folder / "db.sqlite3"


def copy_database(source: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "db.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        if Path(str(source) + suffix).exists():
            shutil.copy(str(source) + suffix, str(target) + suffix)
    return target


class AsgiServer:
    """One daphne process serving art.asgi:application on 127.0.0.1:port."""

    def __init__(self, sqlite_path: Path, port: int | None = None, **env: str) -> None:
        self.port = port or free_port()
        self.env = server_env(sqlite_path, **env)
        self.process: subprocess.Popen[bytes] | None = None
        self.log = Path(str(sqlite_path) + f".{self.port}.log")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> AsgiServer:
        # runserver is daphne's here (it serves the static files too, as `make run` does).
        command = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{self.port}", "--noreload"]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        raise RuntimeError(f"server did not start: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def __enter__(self) -> AsgiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Session:
    """A signed-in person over plain HTTP: the session cookie for sockets, the CSRF token for
    page writes, and a token for the API."""

    def __init__(self, base: str, username: str) -> None:
        self.base = base
        self.username = username
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        page = self.opener.open(base + "/accounts/login/", timeout=10).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, "no CSRF token on the sign-in page"
        data = urllib.parse.urlencode(
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)}
        ).encode()
        request = urllib.request.Request(
            base + "/accounts/login/", data=data, headers={"Referer": base + "/"}
        )
        self.opener.open(request, timeout=10).read()
        assert self.cookie("sessionid"), f"{username} could not sign in"
        self._token: str | None = None

    def cookie(self, name: str) -> str:
        return next((c.value for c in self.jar if c.name == name), "") or ""

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)

    def api(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        if self._token is None:
            answer = urllib.request.urlopen(
                urllib.request.Request(
                    self.base + "/api/v1/auth/token/",
                    data=json.dumps({"username": self.username, "password": PASSWORD}).encode(),
                    headers={"Content-Type": "application/json"},
                ),
                timeout=10,
            )
            self._token = json.loads(answer.read())["token"]
        request = urllib.request.Request(
            self.base + "/api/v1/" + path.lstrip("/"),
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={
                "Authorization": f"Token {self._token}",
                "Content-Type": "application/json",
                **(headers or {}),
            },
        )
        with urllib.request.urlopen(request, timeout=20) as response:
            raw = response.read()
            return json.loads(raw) if raw else None
