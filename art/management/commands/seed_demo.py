"""`manage.py seed_demo [--size demo|large] [--reset]`: build a believable train to try Railyard
with, or the benchmark train. Idempotent: if the train exists already it changes nothing (and
prints the logins); --reset deletes it and builds it anew, dated from today."""

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandParser

from art.demo import DEMO_LOGINS, DEMO_PASSWORD, PROFILES, build, existing_train, refresh_planner_statistics
from art.models import Membership


class Command(BaseCommand):
    help = "Build the demo train (or, with --size large, the benchmark train) with one login per role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--size",
            choices=sorted(PROFILES),
            default="demo",
            help="demo: 8 teams, one closed PI and one in planning (default); "
            "large: the benchmark train, 24 teams and 10 PIs of history.",
        )
        parser.add_argument(
            "--reset", action="store_true", help="Delete the train if it exists and build it anew."
        )
        parser.add_argument(
            "--today",
            type=dt.date.fromisoformat,
            default=None,
            help="Date the data as if today were this day (YYYY-MM-DD).",
        )

    def handle(self, *args, size: str, reset: bool, today: dt.date | None, **options) -> None:
        profile = PROFILES[size]
        started = time.perf_counter()
        ctx = build(profile, today=today, reset=reset)
        elapsed = time.perf_counter() - started
        if ctx is None:
            train = existing_train(profile)
            self.stdout.write(f"{train} exists already: nothing changed (seed_demo --reset rebuilds it).")
        else:
            refresh_planner_statistics()
            self.stdout.write(self.style.SUCCESS(f"Built {ctx.train} in {elapsed:.1f} s (tables analyzed):"))
            width = max(len(label) for label in ctx.counts)
            for label, n in ctx.counts.items():
                self.stdout.write(f"  {label:<{width}}  {n:>7,}")
            pis = ", ".join(
                f"{pi.name} ({pi.get_state_display().lower()}, {pi.start_date:%d %b} – "
                f"{pi.end_date:%d %b %Y})"
                for pi in ctx.pis[-2:]
            )
            self.stdout.write(f"  latest PIs: {pis}")
            if options["verbosity"] >= 2:
                steps = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in ctx.seconds.items())
                self.stdout.write(f"  seed steps: {steps}")
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for login in DEMO_LOGINS:
            what = (
                "superuser: admin site, every train"
                if login.role == "admin"
                else Membership.Role(login.role).label
            )
            self.stdout.write(f"  {login.username:<8} {what}")
