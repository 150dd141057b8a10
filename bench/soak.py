"""A bounded load test on loopback: planners, teams and executives working at once against a
real server (gunicorn) on a throwaway PostgreSQL cluster and Redis, then a consistency check.

    make soak                                   # 50 users for 5 minutes
    SOAK_USERS=20 SOAK_SECONDS=60 make soak     # smaller
    make faults                                 # the same, restarting PostgreSQL and stopping
                                                # Redis during the load

Simulated people, each with their own API token, in proportion 2 planners : 6 team members :
2 executives:
- planners read the board and edit features (read the card, then PATCH it with its version);
- team members read their stories and dependencies and re-estimate stories (with versions);
- executives read the metrics (predictability, flow, dependency age).
Every answer is timed. An error is a 5xx, a connection failure or an answer no user would expect;
409 (someone else saved the card first) is an expected outcome and counted apart.

Afterwards, the consistency check: every change the clients saw succeed is in the history exactly
once, and every card's version is 1 + the changes recorded for it — no lost and no phantom update.

With faults, PostgreSQL is restarted at 30 % of the run and Redis stopped from 55 % to 75 %; the
report splits the errors into during the restart, after it, and while Redis was down (the goals:
none after the restart completes, none for Redis). Needs PostgreSQL's server binaries and
redis-server (CI installs both); nothing outside 127.0.0.1 is touched, and everything started is
stopped at the end.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
PASSWORD = "railyard-demo"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the throwaway services --------------------------------------------------------------------


class Postgres:
    def __init__(self, work: Path):
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
        if not bins:
            sys.exit("PostgreSQL's server binaries are missing: apt-get install postgresql")
        self.bin = bins[-1]
        self.data = work / "pgdata"
        self.sock = work / "pgsock"
        self.port = free_port()
        self.owner = None
        if os.geteuid() == 0:
            self.owner = "postgres"
            if subprocess.run(["id", "-u", "postgres"], capture_output=True).returncode:
                self.owner = "railyard-ci"
                subprocess.run(["useradd", "--system", "--no-create-home", self.owner], capture_output=True)
            shutil.chown(work, self.owner)

    def run(self, *args: str) -> None:
        command = [*args] if self.owner is None else ["runuser", "-u", self.owner, "--", *args]
        subprocess.run(command, check=True, capture_output=True)

    def start(self, first: bool = False) -> None:
        if first:
            self.run("mkdir", str(self.sock))
            self.run(
                str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync"
            )
        options = f"-p {self.port} -k {self.sock} -c listen_addresses=127.0.0.1 -c max_connections=200"
        self.run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.sock / "log"),
            "-w",
            "-o",
            options,
            "start",
        )
        if first:
            subprocess.run(
                [
                    str(self.bin / "psql"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.port),
                    "-U",
                    "postgres",
                    "-qc",
                    "CREATE DATABASE railyard",
                    "postgres",
                ],
                check=True,
                capture_output=True,
            )

    def stop(self, mode: str = "fast") -> None:
        self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/railyard"


class Redis:
    def __init__(self, work: Path):
        if not shutil.which("redis-server"):
            sys.exit("redis-server is missing: apt-get install redis-server")
        self.port = free_port()
        self.work = work
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.work),
            ],
            stdout=subprocess.DEVNULL,
        )
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


# --- the clients -------------------------------------------------------------------------------


@dataclass
class Stats:
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    codes: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    errors: list[tuple[float, str]] = field(default_factory=list)
    conflicts: int = 0
    saved: dict[tuple[str, int], int] = field(default_factory=lambda: defaultdict(int))
    lock: threading.Lock = field(default_factory=threading.Lock)


class Client:
    def __init__(self, base: str, token: str, stats: Stats, started: float):
        self.base, self.token, self.stats, self.started = base, token, stats, started

    def call(self, kind: str, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        request = urllib.request.Request(
            self.base + path,
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={"Authorization": f"Token {self.token}", "Content-Type": "application/json"},
        )
        begin = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                code, payload = response.status, response.read()
        except urllib.error.HTTPError as exc:
            code, payload = exc.code, exc.read()
        except OSError as exc:
            with self.stats.lock:
                self.stats.errors.append((time.monotonic() - self.started, f"{method} {path}: {exc}"))
            return 0, {}
        elapsed = time.monotonic() - begin
        with self.stats.lock:
            self.stats.times[kind].append(elapsed)
            self.stats.codes[code] += 1
            if code == 409:
                self.stats.conflicts += 1
            elif code >= 500 or code in (400, 401, 403, 404, 428):
                self.stats.errors.append(
                    (time.monotonic() - self.started, f"{method} {path}: {code} {payload[:160]!r}")
                )
        try:
            return code, json.loads(payload or b"{}")
        except ValueError:
            return code, {}

    def edit(self, kind: str, resource: str, card: dict, changes: dict) -> None:
        code, _ = self.call(
            kind, "PATCH", f"/api/v1/{resource}/{card['id']}/", {**changes, "version": card["version"]}
        )
        if code == 200:
            with self.stats.lock:
                self.stats.saved[(resource, card["id"])] += 1


def person(role: str, client: Client, world: dict, until: float, rng: random.Random) -> None:
    pi, train = world["pi"], world["train"]
    while time.monotonic() < until:
        if role == "planner":
            client.call("board", "GET", f"/api/v1/pis/{pi}/board/")
            feature_id = rng.choice(world["features"])
            code, card = client.call("read", "GET", f"/api/v1/features/{feature_id}/")
            if code == 200:
                client.edit("write", "features", card, {"description": f"Refined at {time.time():.3f}"})
        elif role == "team":
            team = rng.choice(world["teams"])
            code, page = client.call("list", "GET", f"/api/v1/stories/?pi={pi}&team={team}")
            stories = page.get("results", []) if code == 200 else []
            if stories:
                card = rng.choice(stories)
                points = rng.choice([p for p in (1, 2, 3, 5, 8) if p != card.get("points")])
                client.edit("write", "stories", card, {"points": points})
            client.call("list", "GET", f"/api/v1/dependencies/?pi={pi}")
        else:
            client.call("metrics", "GET", f"/api/v1/metrics/predictability/?train={train}")
            client.call("metrics", "GET", f"/api/v1/metrics/dependency-age/?train={train}")
            client.call(
                "metrics",
                "GET",
                f"/api/v1/metrics/flow/?train={train}&start={world['start']}&end={world['end']}",
            )
        time.sleep(rng.uniform(0.05, 0.3))


def token(base: str, username: str) -> str:
    request = urllib.request.Request(
        base + "/api/v1/auth/token/",
        data=json.dumps({"username": username, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["token"]


def manage(env: dict, *args: str) -> str:
    return subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout


WORLD_CODE = """
import json, datetime as dt
from art.models import ReleaseTrain, Feature, Membership
t = ReleaseTrain.objects.get(slug="payments-art")
member_team = Membership.objects.get(train=t, user__username="member").team_id
pi = t.pis.exclude(state="closed").order_by("start_date").first() or t.pis.order_by("-start_date").first()
today = dt.date.today()
print(json.dumps({"train": t.pk, "pi": pi.pk, "teams": [member_team],
  "features": list(Feature.objects.filter(pi=pi).values_list("pk", flat=True)),
  "start": str(today - dt.timedelta(days=28)), "end": str(today)}))
"""

CHECK_CODE = """
import datetime as dt, json, sys
from django.contrib.contenttypes.models import ContentType
from art.models import ChangeRecord, Feature, Story
given = json.loads(sys.stdin.read())
saved, since = given["saved"], dt.datetime.fromisoformat(given["since"])
problems = []
for resource, model in (("features", Feature), ("stories", Story)):
    ct = ContentType.objects.get_for_model(model)
    ids = [int(k.split(":")[1]) for k in saved if k.startswith(resource + ":")]
    recorded = {}
    records = ChangeRecord.objects.filter(content_type=ct, action="updated", object_id__in=ids, at__gte=since)
    for oid in records.values_list("object_id", flat=True):
        recorded[oid] = recorded.get(oid, 0) + 1
    versions = dict(model.objects.filter(pk__in=ids).values_list("pk", "version"))
    for oid in ids:
        seen = saved[f"{resource}:{oid}"]
        if recorded.get(oid, 0) != seen:
            kept = recorded.get(oid, 0)
            problems.append(f"{resource} {oid}: {seen} saves answered 200, {kept} in the history")
        if versions.get(oid, 0) < 1 + seen:
            problems.append(f"{resource} {oid}: version {versions.get(oid)} after {seen} saves")
print(json.dumps({"checked": len(saved), "problems": problems}))
"""


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))] if ordered else 0.0


def main() -> int:
    users = int(os.environ.get("SOAK_USERS", "50"))
    seconds = int(os.environ.get("SOAK_SECONDS", "300"))
    faults = os.environ.get("SOAK_FAULTS", "") in ("1", "true", "yes")
    work = Path(tempfile.mkdtemp(prefix="railyard-soak-"))
    postgres, redis = Postgres(work), Redis(work)
    server: subprocess.Popen | None = None
    try:
        postgres.start(first=True)
        redis.start()
        port = free_port()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "art.settings.local",
            "DJANGO_DEBUG": "false",
            "DATABASE_URL": postgres.url,
            "REDIS_URL": redis.url,
            "DATABASE_POOL_MAX": "8",
            "RAILYARD_API_RATE_USER": "1000000/min",
            "RAILYARD_API_RATE_ANON": "1000000/min",
            "LOG_LEVEL": "ERROR",
        }
        print(f"PostgreSQL on {postgres.port}, Redis on {redis.port}: migrating and seeding the demo train")
        manage(env, "migrate", "--noinput")
        manage(env, "seed_demo")
        server_log = open(work / "server.log", "w")  # noqa: SIM115  (closed with the work folder)
        world = json.loads(manage(env, "shell", "-c", WORLD_CODE).strip().splitlines()[-1])
        server = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "art.wsgi",
                "-b",
                f"127.0.0.1:{port}",
                "-w",
                "4",
                "--threads",
                "4",
                "--timeout",
                "60",
                "--log-level",
                "error",
            ],
            cwd=ROOT,
            env=env,
            stdout=server_log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        roles = ["planner"] * 2 + ["team"] * 6 + ["executive"] * 2
        accounts = {"planner": ["rte", "product"], "team": ["member"], "executive": ["viewer", "owner"]}
        stats = Stats()
        since = datetime.datetime.now(datetime.UTC).isoformat()
        started = time.monotonic()
        until = started + seconds
        threads = []
        for n in range(users):
            role = roles[n % len(roles)]
            client = Client(base, token(base, accounts[role][n % len(accounts[role])]), stats, started)
            thread = threading.Thread(
                target=person, args=(role, client, world, until, random.Random(n)), daemon=True
            )
            threads.append(thread)
        print(f"{users} people for {seconds} s{' with faults' if faults else ''} against {base}")
        for thread in threads:
            thread.start()
        windows: dict[str, tuple[float, float]] = {}
        if faults:
            time.sleep(seconds * 0.30)
            begin = time.monotonic() - started
            postgres.stop("fast")
            postgres.start()
            windows["postgres restart"] = (begin, time.monotonic() - started + 2)
            print(f"  PostgreSQL restarted at {begin:.0f} s ({windows['postgres restart'][1] - begin:.1f} s)")
            time.sleep(max(0.0, started + seconds * 0.55 - time.monotonic()))
            begin = time.monotonic() - started
            redis.stop()
            time.sleep(seconds * 0.20)
            redis.start()
            windows["redis down"] = (begin, time.monotonic() - started)
            print(f"  Redis down from {begin:.0f} s to {windows['redis down'][1]:.0f} s")
        for thread in threads:
            thread.join()
        total = sum(len(v) for v in stats.times.values())
        answers = dict(sorted(stats.codes.items()))
        print(f"\nrequests: {total} in {seconds} s ({total / seconds:.1f}/s); answers {answers}")
        for kind, values in sorted(stats.times.items()):
            print(
                f"  {kind:8} {len(values):6}  p50 {statistics.median(values) * 1000:7.1f} ms"
                f"  p95 {percentile(values, 95) * 1000:7.1f} ms  max {max(values) * 1000:7.1f} ms"
            )
        print(f"conflicts (409, expected when two people save one card): {stats.conflicts}")
        errors_after = [e for e in stats.errors if not any(a <= e[0] <= b for a, b in windows.values())]
        for name, (a, b) in windows.items():
            inside = [e for e in stats.errors if a <= e[0] <= b]
            print(f"errors during {name} ({a:.0f}–{b:.0f} s): {len(inside)}")
        print(f"errors{' outside the fault windows' if windows else ''}: {len(errors_after)}")
        for at, what in (errors_after or stats.errors)[:10]:
            print(f"  {at:6.1f} s  {what}")
        saved = {"saved": {f"{r}:{i}": n for (r, i), n in stats.saved.items()}, "since": since}
        result = subprocess.run(
            [PY, "manage.py", "shell", "-c", CHECK_CODE],
            cwd=ROOT,
            env=env,
            input=json.dumps(saved),
            capture_output=True,
            text=True,
            check=True,
        )
        check = json.loads(result.stdout.strip().splitlines()[-1])
        print(f"consistency: {check['checked']} cards saved; problems: {len(check['problems'])}")
        for problem in check["problems"][:10]:
            print(f"  {problem}")
        redis_errors = [
            e
            for e in stats.errors
            if "redis down" in windows and windows["redis down"][0] <= e[0] <= windows["redis down"][1]
        ]
        failed = bool(errors_after or check["problems"] or redis_errors)
        if failed:
            print("\nthe server's last words:")
            print("".join((work / "server.log").read_text().splitlines(keepends=True)[-15:]))
        print("\nsoak", "FAILED" if failed else "passed")
        return 1 if failed else 0
    finally:
        if server:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
        redis.stop()
        with contextlib.suppress(subprocess.CalledProcessError):
            postgres.stop("immediate")
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
