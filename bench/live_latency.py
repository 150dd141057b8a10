"""How fast a change reaches every open board: LIVE_CLIENTS sockets (100) on one train, LIVE_CHANGES
changes (200) made one after another through the REST API, on a real ASGI server (daphne) over a
throwaway copy of the demo database, loopback only.

For each change and each client: the time from sending the change (the API request) to the
client receiving its event. Reports p50/p95/p99 and max over all deliveries, and whether every
client received every change (goal: p95 under 1 s on a 2-core machine; every change delivered).
`--redis` runs two servers sharing a Redis channel layer, half the clients on each, the writer on
the first: the docker compose shape. Writes the figures to bench/results.md.

    .venv/bin/python bench/live_latency.py [--clients 100] [--changes 200] [--redis]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path

import websockets

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.asgi_servers import AsgiServer, Session, copy_database, seed_database  # noqa: E402

RESULTS = ROOT / "bench" / "results.md"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


async def client(
    server: AsgiServer, cookie: str, train_id: int, ready: asyncio.Event, inbox: list, stop
) -> None:
    address = f"ws://127.0.0.1:{server.port}/ws/trains/{train_id}/live/"
    async with websockets.connect(
        address, additional_headers={"Cookie": cookie, "Origin": server.url}, max_queue=None
    ) as socket:
        ready.set()
        while not stop.is_set():
            try:
                raw = await asyncio.wait_for(socket.recv(), timeout=0.5)
            except TimeoutError:
                continue
            now = time.perf_counter()
            message = json.loads(raw)
            if message.get("type") == "changes":
                for event in message["events"]:
                    if event["model"] == "feature":
                        inbox.append((event["id"], now))


async def run(clients: int, changes: int, servers: list[AsgiServer]) -> dict:
    writer = Session(servers[0].url, "product")
    readers = [Session(s.url, "viewer") for s in servers]
    train_id = next(t["id"] for t in writer.api("GET", "trains/")["results"] if t["slug"] == "payments-art")
    features = writer.api("GET", f"features/?train={train_id}&page_size=50")["results"]
    stop = asyncio.Event()
    inboxes: list[list] = [[] for _ in range(clients)]
    readies = [asyncio.Event() for _ in range(clients)]
    tasks = [
        asyncio.create_task(
            client(
                servers[i % len(servers)],
                readers[i % len(servers)].cookie_header,
                train_id,
                readies[i],
                inboxes[i],
                stop,
            )
        )
        for i in range(clients)
    ]
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), timeout=60)
    await asyncio.sleep(1.0)  # every socket is in the group
    sent: dict[int, list[float]] = defaultdict(list)
    versions = {f["id"]: f["version"] for f in features}
    write_times = []
    started = time.perf_counter()
    for n in range(changes):
        feature = features[n % len(features)]
        fid = feature["id"]
        t0 = time.perf_counter()
        sent[fid].append(t0)
        answer = await asyncio.to_thread(
            writer.api,
            "PATCH",
            f"features/{fid}/",
            {"title": f"{feature['title'][:150]} ·{n}", "version": versions[fid]},
        )
        versions[fid] = answer["version"]
        write_times.append(time.perf_counter() - t0)
    await asyncio.sleep(3.0)  # the last deliveries
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    elapsed = time.perf_counter() - started
    latencies: list[float] = []
    complete = 0
    for inbox in inboxes:
        seen: dict[int, int] = defaultdict(int)
        got = 0
        for fid, at in inbox:
            k = seen[fid]
            seen[fid] += 1
            if k < len(sent[fid]):
                latencies.append(at - sent[fid][k])
                got += 1
        complete += got == changes
    return {
        "clients": clients,
        "changes": changes,
        "servers": len(servers),
        "deliveries": len(latencies),
        "expected": clients * changes,
        "complete_clients": complete,
        "p50": percentile(latencies, 50),
        "p95": percentile(latencies, 95),
        "p99": percentile(latencies, 99),
        "max": max(latencies) if latencies else float("nan"),
        "write_p50": statistics.median(write_times),
        "elapsed": elapsed,
    }


def report(figures: dict, label: str) -> str:
    ok = figures["deliveries"] == figures["expected"] and figures["p95"] < 1.0
    return (
        f"### {label}: {dt.date.today():%Y-%m-%d}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}\n\n"
        "| clients | changes | servers | deliveries | every client got every change "
        "| p50 | p95 | p99 | max | API write p50 |\n"
        f"|---|---|---|---|---|---|---|---|---|---|\n"
        f"| {figures['clients']} | {figures['changes']} | {figures['servers']} | "
        f"{figures['deliveries']:,} of {figures['expected']:,} | "
        f"{figures['complete_clients']} of {figures['clients']} | "
        f"{figures['p50'] * 1000:.0f} ms | {figures['p95'] * 1000:.0f} ms | {figures['p99'] * 1000:.0f} ms | "
        f"{figures['max'] * 1000:.0f} ms | {figures['write_p50'] * 1000:.0f} ms |\n\n"
        f"Goal p95 < 1 s and every change delivered: {'met' if ok else 'NOT met'}.\n"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=int(os.environ.get("LIVE_CLIENTS", 100)))
    parser.add_argument("--changes", type=int, default=int(os.environ.get("LIVE_CHANGES", 200)))
    parser.add_argument(
        "--redis", action="store_true", help="two servers sharing Redis (REDIS_URL or 127.0.0.1:6379/15)"
    )
    parser.add_argument("--no-write", action="store_true", help="print, do not update bench/results.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="railyard-live-bench-") as folder:
        (Path(folder) / "seed").mkdir()
        seeded = seed_database(Path(folder) / "seed")
        database = copy_database(seeded, Path(folder) / "run")
        extra: dict[str, str] = {}
        count = 1
        if args.redis:
            base = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0]
            extra = {
                "REDIS_URL": f"{base}/15",
                "RAILYARD_LIVE_PREFIX": f"railyard-bench-{uuid.uuid4().hex[:8]}",
            }
            count = 2
        servers = [AsgiServer(database, DJANGO_DEBUG="false", **extra).start() for _ in range(count)]
        try:
            figures = asyncio.run(run(args.clients, args.changes, servers))
        finally:
            for server in servers:
                server.stop()
    label = "Live updates, two servers sharing Redis" if args.redis else "Live updates, one server"
    text = report(figures, label)
    print(text)
    if not args.no_write:
        previous = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
        marker = f"### {label}:"
        kept = [block for block in previous.split("\n### ") if not ("### " + block).startswith(marker)]
        RESULTS.write_text("\n### ".join(kept).rstrip() + "\n\n" + text)
    return 0 if figures["deliveries"] == figures["expected"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
