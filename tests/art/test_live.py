"""Live updates: what a change announces (art.live.events), the socket that delivers it
(art.live.consumers), presence (art.live.presence) and the parts a page re-renders."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.test import Client
from django.urls import reverse

from art import services
from art.asgi import application
from art.live import events, presence
from art.live.consumers import CATCHUP_LIMIT
from art.models import ChangeRecord, Iteration, Membership, Presence
from art.services.common import record_change
from tests.art.factories import StoryFactory


def run(coroutine_function) -> Any:
    """Run an async scenario to its end in a thread of its own (this thread may already run an
    event loop: a browser test in the same process leaves one)."""
    result: list[Any] = []
    failure: list[BaseException] = []

    def in_thread() -> None:
        try:
            result.append(async_to_sync(coroutine_function)())
        except BaseException as exc:
            failure.append(exc)

    worker = threading.Thread(target=in_thread)
    worker.start()
    worker.join(60)
    if failure:
        raise failure[0]
    return result[0] if result else None


def _listen(train_id: int) -> str:
    """A channel in the train's group, as an open page would have."""
    layer = get_channel_layer()

    async def join() -> str:
        channel = await layer.new_channel()
        await layer.group_add(events.group_name(train_id), channel)
        return channel

    return run(join)


def _drain(channel: str) -> list[dict]:
    layer = get_channel_layer()
    out = []

    async def take():
        while True:
            try:
                out.append(await asyncio.wait_for(layer.receive(channel), timeout=0.05))
            except TimeoutError:
                return

    run(take)
    return out


@pytest.fixture
def layer_reset():
    layer = get_channel_layer()
    run(layer.flush)
    yield layer
    run(layer.flush)


# --- what a change announces ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_announce_after_commit_and_never_after_rollback(world, layer_reset):
    story = StoryFactory(team=world.team, iteration=None)
    channel = _listen(world.train.pk)
    with transaction.atomic():
        services.story_move(actor=world.rte, story=story, team=world.other_team, iteration=None, version=1)
        assert _drain(channel) == []
    (message,) = _drain(channel)
    assert message["type"] == "live.changes"
    (event,) = [e for e in message["events"] if e["model"] == "story"]
    record = ChangeRecord.objects.filter(content_type__model="story", object_id=story.pk).latest("id")
    assert event == {
        "seq": record.pk,
        "model": "story",
        "id": story.pk,
        "action": "updated",
        "teams": sorted([world.team.pk, world.other_team.pk]),
        "pi": None,
    }

    with pytest.raises(RuntimeError), transaction.atomic():
        record_change(actor=world.rte, obj=story, action="updated", changes={"title": ["a", "b"]})
        raise RuntimeError("rolled back")
    assert _drain(channel) == []
    # The next transaction announces again (a rolled-back batch does not swallow it).
    with transaction.atomic():
        record_change(actor=world.rte, obj=story, action="updated", changes={"title": ["b", "c"]})
    assert len(_drain(channel)) == 1


@pytest.mark.django_db(transaction=True)
def test_one_transaction_is_one_message_and_other_trains_hear_nothing(world, layer_reset):
    story = StoryFactory(team=world.team, iteration=None)
    mine, elsewhere = _listen(world.train.pk), _listen(world.outsider.memberships.get().train_id)
    with transaction.atomic():
        for n in range(3):
            record_change(
                actor=world.rte, obj=story, action="updated", changes={"title": [str(n), str(n + 1)]}
            )
    (message,) = _drain(mine)
    assert [e["seq"] for e in message["events"]] == sorted(e["seq"] for e in message["events"])
    assert len(message["events"]) == 3
    assert _drain(elsewhere) == []


@pytest.mark.django_db(transaction=True)
def test_a_vote_is_announced_without_a_history_entry(world, layer_reset):
    from pi_planning import services as planning

    planning.vote_round_open(actor=world.rte, pi=world.pi, team=world.team)
    channel = _listen(world.train.pk)
    before = ChangeRecord.objects.count()
    planning.vote_cast(actor=world.member, pi=world.pi, team=world.team, score=4)
    (message,) = _drain(channel)
    assert message["events"][0]["model"] == "vote"
    assert message["events"][0]["seq"] is None
    assert message["events"][0]["teams"] == [world.team.pk]
    assert ChangeRecord.objects.count() == before


def test_publishing_never_fails_a_write(world, monkeypatch):
    class Broken:
        groups = {"x": 1}

        async def group_send(self, group, message):
            raise ConnectionError("redis is down")

    monkeypatch.setattr(events, "get_channel_layer", lambda: Broken())
    story = StoryFactory(team=world.team, iteration=None)
    events.send({world.train.pk: [{"model": "story"}]})  # logs, does not raise
    moved = services.story_move(
        actor=world.rte, story=story, team=world.other_team, iteration=None, version=1
    )
    assert moved.team_id == world.other_team.pk


# --- the socket ----------------------------------------------------------------------------------


def _cookie(user) -> list[tuple[bytes, bytes]]:
    if user is None:
        return [(b"origin", b"http://testserver")]
    client = Client()
    client.force_login(user)
    session = client.cookies["sessionid"].value
    return [(b"cookie", f"sessionid={session}".encode()), (b"origin", b"http://testserver")]


def _socket(train_id: int, headers, page: str = "/board/") -> WebsocketCommunicator:
    return WebsocketCommunicator(application, f"/ws/trains/{train_id}/live/?page={page}", headers=headers)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("who", "code"),
    [(None, 4401), ("outsider", 4403)],
)
def test_a_socket_without_access_is_closed(world, who, code):
    user = getattr(world, who) if who else None

    headers = _cookie(user)

    async def scenario():
        socket = _socket(world.train.pk, headers)
        connected, _ = await socket.connect()
        assert connected
        closed = await socket.receive_output(timeout=2)
        assert closed == {"type": "websocket.close", "code": code}
        await socket.disconnect()

    run(scenario)
    assert not Presence.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_viewer_receives_the_changes_of_its_train_and_catches_up(world, layer_reset):
    story = StoryFactory(team=world.team, iteration=None)
    since = ChangeRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0

    viewer_headers = _cookie(world.viewer)

    async def scenario():
        socket = _socket(world.train.pk, viewer_headers)
        connected, _ = await socket.connect()
        assert connected
        assert (await socket.receive_json_from(timeout=2)) == {"type": "presence", "page": "/board/"}
        await database_sync_to_async(services.story_update)(
            actor=world.member, story=story, version=1, title="Renamed"
        )
        message = await socket.receive_json_from(timeout=2)
        assert message["type"] == "changes"
        assert [(e["model"], e["id"]) for e in message["events"]] == [("story", story.pk)]
        # What a page missed since a sequence number, oldest first.
        await socket.send_json_to({"type": "hello", "since": since})
        caught = await socket.receive_json_from(timeout=2)
        assert caught["catchup"] is True
        assert [e["model"] for e in caught["events"]] == ["story"]
        assert caught["seq"] == caught["events"][-1]["seq"]
        await socket.disconnect()

    run(scenario)


@pytest.mark.django_db(transaction=True)
def test_too_much_missed_asks_the_page_to_re_render_everything(world, monkeypatch):
    monkeypatch.setattr("art.live.consumers.CATCHUP_LIMIT", 2)
    story = StoryFactory(team=world.team, iteration=None)
    for n in range(3):
        record_change(actor=world.rte, obj=story, action="updated", changes={"title": [str(n), str(n + 1)]})

    member_headers = _cookie(world.member)

    async def scenario():
        socket = _socket(world.train.pk, member_headers)
        await socket.connect()
        await socket.receive_json_from(timeout=2)  # presence
        await socket.send_json_to({"type": "hello", "since": 0})
        answer = await socket.receive_json_from(timeout=2)
        assert answer["type"] == "resync"
        await socket.disconnect()

    run(scenario)
    assert CATCHUP_LIMIT == 500


@pytest.mark.django_db(transaction=True)
def test_a_member_whose_membership_is_removed_stops_receiving(world, layer_reset):
    story = StoryFactory(team=world.team, iteration=None)
    seat = Membership.objects.get(user=world.member, train=world.train)

    member_headers = _cookie(world.member)

    async def scenario():
        socket = _socket(world.train.pk, member_headers)
        await socket.connect()
        await socket.receive_json_from(timeout=2)  # presence
        await database_sync_to_async(services.membership_delete)(actor=world.rte, membership=seat)
        assert (await socket.receive_json_from(timeout=2)) == {"type": "revoked"}
        closed = await socket.receive_output(timeout=2)
        assert closed == {"type": "websocket.close", "code": 4403}
        # Later changes of the train do not reach it.
        await database_sync_to_async(services.story_update)(
            actor=world.rte, story=story, version=1, title="Later"
        )
        assert await socket.receive_nothing(timeout=0.3)

    run(scenario)


@pytest.mark.django_db(transaction=True)
def test_presence_by_team_and_soft_locks(world, layer_reset):
    member_headers = _cookie(world.member)
    rte_headers = _cookie(world.rte)

    async def scenario():
        member = _socket(world.train.pk, member_headers, page="/x/board/")
        rte = _socket(world.train.pk, rte_headers, page="/x/board/")
        await member.connect()
        await rte.connect()
        await member.send_json_to({"type": "editing", "card": "story-12"})
        await rte.send_json_to({"type": "editing", "card": "<script>"})  # not a card: ignored
        await member.send_json_to({"type": "ping"})
        # Let both messages be handled before reading the room.
        for socket in (member, rte):
            while True:
                message = await socket.receive_json_from(timeout=2)
                if message["type"] == "pong" or (socket is rte and message["type"] == "presence"):
                    break
        room = await database_sync_to_async(presence.on_page)(train_id=world.train.pk, page="/x/board/")
        await member.disconnect()
        await rte.disconnect()
        return room

    room = run(scenario)
    assert room.count == 2
    member, rte = world.member.get_full_name(), world.rte.get_full_name()
    names = {team.name: [p.name for p in team.people] for team in room.teams}
    assert names == {world.team.name: [member], "Release Train Engineer": [rte]}
    assert [(card, [n for _, n in who]) for card, who in room.editing.items()] == [("story-12", [member])]
    assert presence.edited_by_others(room, world.rte.pk) == f"story-12={member}"
    assert presence.edited_by_others(room, world.member.pk) == ""
    assert not Presence.objects.exists()  # closing a socket leaves the room


def test_presence_fragment_lists_who_is_here(world, client, django_assert_max_num_queries):
    for n, user in enumerate([world.member, world.other_member, world.rte]):
        Presence.objects.create(channel_name=f"c{n}", user=user, train=world.train, page="/p/", card="")
    Presence.objects.filter(channel_name="c0").update(card="feature-3")
    client.force_login(world.viewer)
    url = reverse("art:live_presence", kwargs={"slug": world.train.slug}) + "?page=/p/"
    with django_assert_max_num_queries(8):
        response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert "3 here" in body
    assert world.team.initials in body and world.other_team.initials in body
    assert f'data-editing="feature-3={world.member.get_full_name()}"' in body
    client.force_login(world.outsider)
    assert client.get(url).status_code == 404


def test_stale_presence_does_not_count(world, settings):
    from django.utils import timezone

    Presence.objects.create(
        channel_name="old",
        user=world.member,
        train=world.train,
        page="/p/",
        seen_at=timezone.now() - timezone.timedelta(seconds=settings.RAILYARD_PRESENCE_TTL + 1),
    )
    assert presence.on_page(train_id=world.train.pk, page="/p/").count == 0


def test_cards_and_pages_are_cleaned():
    assert presence.clean_card("story-12") == "story-12"
    assert presence.clean_card("story-12<") == ""
    assert presence.clean_card(12) == ""
    assert presence.clean_page("/a\x00b") == ""
    assert len(presence.clean_page("/" + "a" * 500)) == 200


# --- the board's live fragment ---------------------------------------------------------------------


def test_the_board_live_fragment_renders_the_touched_rows_out_of_band(
    world, client, django_assert_max_num_queries
):
    iteration = Iteration.objects.filter(pi=world.pi).order_by("number").first()
    StoryFactory(team=world.team, iteration=iteration)
    client.force_login(world.viewer)
    url = reverse(
        "pi_planning:board_fragment", kwargs={"slug": world.train.slug, "pi_id": world.pi.pk, "name": "live"}
    )
    response = client.get(url, {"teams": str(world.team.pk)}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert f'data-team-row="{world.team.pk}"' in body
    assert f'data-team-row="{world.other_team.pk}"' not in body
    assert 'id="dependency-layer" hx-swap-oob="outerHTML"' in body
    assert body.count('hx-swap-oob="outerHTML"') >= 3
    every = client.get(url, {"teams": "all"}).content.decode()
    assert f'data-team-row="{world.other_team.pk}"' in every

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            client.get(url, {"teams": "all"})
        return len(captured)

    few = count()
    for _ in range(10):
        StoryFactory(team=world.other_team, iteration=iteration)
    assert count() == few


def test_train_pages_switch_live_updates_on(world, client):
    client.force_login(world.member)
    board = client.get(reverse("pi_planning:board", kwargs={"slug": world.train.slug, "pi_id": world.pi.pk}))
    body = board.content.decode()
    assert f'data-live-url="/ws/trains/{world.train.pk}/live/"' in body
    assert "js/live.js" in body
    assert 'id="presence"' in body
    assert 'id="board-live"' in body
    mine = client.get(reverse("art:my_trains")).content.decode()
    assert "data-live-url" not in mine


def test_the_presence_fragment_costs_the_same_for_3_or_12_people(world, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.art.factories import MembershipFactory, UserFactory

    client.force_login(world.viewer)
    url = reverse("art:live_presence", kwargs={"slug": world.train.slug}) + "?page=/p/"

    def count(people: int) -> int:
        Presence.objects.all().delete()
        for n in range(people):
            user = UserFactory()
            MembershipFactory(user=user, train=world.train, role=Membership.Role.MEMBER, team=world.team)
            Presence.objects.create(channel_name=f"q{people}-{n}", user=user, train=world.train, page="/p/")
        with CaptureQueriesContext(connection) as captured:
            assert f"{people} here" in client.get(url).content.decode()
        return len(captured)

    assert count(3) == count(12)
