"""One change, the whole room reads the board again: after each change (a story moved to the
next iteration and back, through the board's service, as the RTE), `--readers` open pages ask
for the rows it touched (the board's `live` fragment, as art.live makes every open page do),
with the board remembered (art.freshness) and without it (RAILYARD_MEMO off), in one run on the
large train. Reports, per change, the server time the room's reads cost (all readers in turn in
one process: what the change costs a web worker), the median over `--changes` changes.

    DATABASE_URL=postgres://... .venv/bin/python bench/bench_room.py [--readers 100] [--changes 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from common import large_pi_or_say, setup_django, signed_in_client


def main() -> int:
    parser = argparse.ArgumentParser(description="One change, the whole room reads the board again")
    parser.add_argument("--readers", type=int, default=100)
    parser.add_argument("--changes", type=int, default=5)
    options = parser.parse_args()
    setup_django()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection

    from art.models import Story
    from pi_planning.services.board import board_card_move

    pi = large_pi_or_say()
    if pi is None:
        return 1
    rte = get_user_model().objects.get(username="rte")
    client = signed_in_client()
    iterations = list(pi.iterations.filter(is_ip=False).order_by("number"))
    story = Story.objects.filter(iteration__in=iterations, team__isnull=False).order_by("id").first()
    assert story is not None and story.team is not None
    home = story.iteration
    assert home is not None
    url = f"/trains/{pi.train.slug}/pis/{pi.pk}/board/fragment/live/?teams={story.team_id}"

    def change(n: int) -> None:
        story.refresh_from_db()
        away = iterations[(iterations.index(home) + 1) % len(iterations)]
        board_card_move(actor=rte, pi=pi, card=story, team=story.team, iteration=away if n % 2 == 0 else home)

    def room() -> float:
        started = time.perf_counter()
        for _ in range(options.readers):
            response = client.get(url, HTTP_HX_REQUEST="true")
            assert response.status_code == 200, response.status_code
        return time.perf_counter() - started

    print(
        f"One change, {options.readers} readers of the live fragment: {pi.train.name} · {pi.name} "
        f"on {connection.vendor}, median of {options.changes} changes"
    )
    figures: dict[bool, list[float]] = {}
    n = 0
    for memo in (False, True, False, True):  # in turns: the machine's drift hits both alike
        settings.RAILYARD_MEMO = memo
        room()  # warm-up
        for _ in range(options.changes):
            change(n)
            n += 1
            figures.setdefault(memo, []).append(room())
    if n % 2:
        change(n)  # the story back where it was
    built, remembered = statistics.median(figures[False]), statistics.median(figures[True])
    for label, total in (("built for every reader", built), ("remembered (art.freshness)", remembered)):
        each = total * 1000 / options.readers
        print(f"  {label:<28} {total * 1000:8.0f} ms for the room, {each:6.1f} ms a read")
    print(f"  the room's cost of a change, remembered ÷ built: {remembered / built:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
