"""Several web processes behind the proxy share live updates through Redis (channels-redis): a
change made through one process reaches a page connected to another. Two real ASGI servers on
one database and a real Redis (skipped, saying why, where there is no Redis)."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import threading
import uuid
from urllib.parse import urlparse

import pytest
import websockets

from tests.asgi_servers import AsgiServer, Session, copy_database, shared_seed


def _redis_url() -> str | None:
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=1):
            pass
    except OSError:
        return None
    # A database of its own, so that nothing of the test run or of a developer is touched.
    return f"redis://{parsed.hostname or '127.0.0.1'}:{parsed.port or 6379}/14"


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory):
    redis = _redis_url()
    if redis is None:
        pytest.skip("no Redis reachable (REDIS_URL or 127.0.0.1:6379): the shared channel layer needs one")
    database = copy_database(shared_seed(tmp_path_factory), tmp_path_factory.mktemp("live-two"))
    prefix = f"railyard-live-test-{uuid.uuid4().hex[:8]}"
    first = AsgiServer(database, REDIS_URL=redis, RAILYARD_LIVE_PREFIX=prefix).start()
    try:
        second = AsgiServer(database, REDIS_URL=redis, RAILYARD_LIVE_PREFIX=prefix).start()
    except Exception:
        first.stop()
        raise
    yield first, second
    first.stop()
    second.stop()


async def _listen(server: AsgiServer, session: Session, train_id: int, until: float) -> list[dict]:
    address = f"ws://127.0.0.1:{server.port}/ws/trains/{train_id}/live/?page=/probe/"
    received: list[dict] = []
    async with websockets.connect(
        address,
        additional_headers={"Cookie": session.cookie_header, "Origin": server.url},
    ) as socket_:
        deadline = asyncio.get_running_loop().time() + until
        while (left := deadline - asyncio.get_running_loop().time()) > 0:
            try:
                message = json.loads(await asyncio.wait_for(socket_.recv(), timeout=left))
            except TimeoutError:
                break
            received.append(message)
            if message.get("type") == "changes" and any(e["model"] == "feature" for e in message["events"]):
                break
    return received


def test_a_change_through_one_process_reaches_a_page_of_the_other(two_servers):
    first, second = two_servers
    reader = Session(second.url, "viewer")
    writer = Session(first.url, "product")
    train_id = next(t["id"] for t in writer.api("GET", "trains/")["results"] if t["slug"] == "payments-art")
    features = writer.api("GET", "features/?ordering=rank&page_size=1")["results"]
    feature = features[0]

    async def scenario():
        listening = asyncio.create_task(_listen(second, reader, train_id, until=10))
        await asyncio.sleep(1.0)  # connected and in the group
        await asyncio.to_thread(
            writer.api,
            "PATCH",
            f"features/{feature['id']}/",
            {"title": feature["title"] + " (live)", "version": feature["version"]},
        )
        return await listening

    # In a thread of its own: a browser test run earlier in this process leaves an event loop
    # running in this thread.
    found: list = []
    worker = threading.Thread(target=lambda: found.append(asyncio.run(scenario())))
    worker.start()
    worker.join(60)
    messages = found[0] if found else []
    changes = [e for m in messages if m.get("type") == "changes" for e in m["events"]]
    assert any(e["model"] == "feature" and e["id"] == feature["id"] for e in changes), messages
