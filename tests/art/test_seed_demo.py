"""seed_demo: idempotent, one working login per role, a believable history and a PI in planning."""

import datetime as dt
import itertools
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Max, Min
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from art import demo
from art.demo.timeline import finished_path, history, pi_calendar
from art.models import (
    FIBONACCI,
    Absence,
    Feature,
    FeatureTransition,
    Iteration,
    Membership,
    Milestone,
    ProgramIncrement,
    ReleaseTrain,
    Story,
    Team,
    TeamMember,
)
from art.services import pi_advance_states

MODELS = [
    ReleaseTrain,
    Team,
    TeamMember,
    Membership,
    ProgramIncrement,
    Iteration,
    Milestone,
    Absence,
    Feature,
    FeatureTransition,
    Story,
    get_user_model(),
]


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture(scope="module")
def demo_once(django_db_setup, django_db_blocker):
    """The demo, built once for the tests that only read it (every seed step runs: seconds),
    and removed after them so that no other test sees it."""
    with django_db_blocker.unblock():
        seed()
    yield
    with django_db_blocker.unblock():
        demo.remove(demo.PROFILES["demo"])
        get_user_model().objects.filter(username__in=demo.DEMO_USERNAMES).delete()


@pytest.fixture
def seeded(demo_once, db) -> ReleaseTrain:
    # Each test runs in a transaction that is rolled back: the shared demo stays as built.
    return ReleaseTrain.objects.get(slug=demo.PROFILES["demo"].train_slug)


def test_running_twice_changes_nothing_and_says_so(seeded):
    # given a seeded database
    before = counts()
    # when seed_demo runs again
    output = seed()
    # then nothing changed, and the logins are printed again
    assert counts() == before
    assert "exists already" in output
    assert "rte" in output and demo.DEMO_PASSWORD in output


def test_reset_rebuilds_the_same_train(seeded):
    # given the demo, built today
    before = counts()
    # when it is rebuilt (in this test's transaction: the shared demo comes back after it)
    output = seed("--reset")
    # then a new train holds the same rows, and no person's login is left over twice
    assert "Built Payments ART" in output and "(tables analyzed)" in output
    assert ReleaseTrain.objects.get(slug=seeded.slug).pk != seeded.pk
    assert counts() == before


def test_a_build_leaves_the_planner_statistics_fresh(db):
    # ANALYZE after a seed (PostgreSQL would otherwise plan from empty tables until autovacuum)
    with CaptureQueriesContext(connection) as queries:
        demo.refresh_planner_statistics()
    assert [query["sql"] for query in queries] == ["ANALYZE"]


def test_the_demo_is_the_size_the_readme_promises(seeded):
    assert seeded.teams.count() == 8
    assert 50 <= TeamMember.objects.filter(team__train=seeded).count() <= 70
    assert TeamMember.objects.filter(team__train=seeded, fte__lt=1).exists()
    assert (
        Membership.objects.filter(train=seeded, role="member").exclude(user__username="member").count() >= 5
    )


def signs_in(client, username, password) -> bool:
    """Through the sign-in page, as a person does (django-axes needs the request)."""
    response = client.post("/accounts/login/", {"username": username, "password": password})
    return response.status_code == 302 and "_auth_user_id" in client.session


@pytest.mark.parametrize(
    "username, role",
    [
        ("rte", "rte"),
        ("product", "product"),
        ("owner", "business_owner"),
        ("member", "member"),
        ("viewer", "viewer"),
    ],
)
def test_each_demo_login_signs_in_with_its_role(seeded, client, username, role):
    assert signs_in(client, username, demo.DEMO_PASSWORD)
    membership = Membership.objects.get(user__username=username, train=seeded)
    assert membership.role == role
    assert (membership.team is not None) == (role == "member")


def test_member_login_is_a_team_member_with_capacity(seeded):
    seat = TeamMember.objects.get(user__username="member")
    assert seat.team == Membership.objects.get(user__username="member").team
    assert seat.delivering and seat.fte == 1


def test_admin_is_a_superuser(seeded, client):
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert signs_in(client, "admin", demo.DEMO_PASSWORD)


def test_closed_pi_features_have_back_dated_histories_ending_in_done(seeded):
    closed = ProgramIncrement.objects.get(train=seeded, state="closed")
    done = Feature.objects.filter(pi=closed, state="done")
    assert done.count() >= 20
    for feature in done.prefetch_related("transitions"):
        steps = list(feature.transitions.order_by("at", "id"))
        assert steps[0].from_state == "" and steps[0].to_state == "funnel"
        assert steps[-1].to_state == "done"
        assert {"analyzing", "ready", "in_progress", "review", "awaiting_deploy"} <= {
            s.to_state for s in steps
        }
        for before, after in itertools.pairwise(steps):
            assert after.from_state == before.to_state
            assert after.at > before.at
        assert steps[-1].at.date() <= closed.end_date
        assert steps[0].at == feature.created_at
    # some went through blocked, and all of their stories were done in the PI's iterations
    assert FeatureTransition.objects.filter(feature__pi=closed, to_state="blocked").exists()
    stories = Story.objects.filter(feature__in=done)
    assert stories.exclude(state="done").count() == 0
    assert stories.filter(points__isnull=True).count() == 0
    assert set(stories.values_list("iteration__pi", flat=True)) == {closed.pk}


def test_features_carry_their_delivery_iteration_and_points(seeded):
    closed = ProgramIncrement.objects.get(train=seeded, state="closed")
    for feature in Feature.objects.filter(pi=closed, state="done").annotate(
        last=Max("stories__iteration__number")
    ):
        assert feature.iteration.number == feature.last
        assert feature.points == sum(feature.stories.values_list("points", flat=True))


def test_current_pi_is_in_planning_with_a_scored_backlog(seeded):
    today = timezone.localdate()
    current = ProgramIncrement.objects.get(train=seeded, state="planning")
    # in planning: it starts within the coming week, after the closed PI
    assert today < current.start_date <= today + dt.timedelta(days=7)
    assert current.milestones.count() >= 3
    assert Absence.objects.filter(iteration__pi=current).count() >= 6
    candidates = Feature.objects.filter(pi=current, state="ready")
    assert candidates.count() >= 20
    for feature in candidates:
        scores = [
            feature.user_business_value,
            feature.time_criticality,
            feature.risk_reduction,
            feature.job_size,
        ]
        assert all(score in FIBONACCI for score in scores)
        assert feature.wsjf == pytest.approx(sum(scores[:3]) / scores[3])
    placed = Story.objects.filter(iteration__pi=current)
    assert placed.exists()
    assert not placed.filter(iteration__is_ip=True).exists()
    assert Story.objects.filter(feature__pi=current, iteration__isnull=True).exists()
    # and the train's backlog holds unplanned features still in the funnel or in analysis
    assert set(Feature.objects.filter(train=seeded, pi__isnull=True).values_list("state", flat=True)) <= {
        "funnel",
        "analyzing",
    }


def test_the_hourly_task_finds_nothing_to_move(seeded):
    # the seed agrees with pi_advance_states: the closed PI is over, the current one not started
    assert pi_advance_states() == 0


def test_no_transition_lies_in_the_future(seeded):
    latest = FeatureTransition.objects.aggregate(latest=Max("at"))["latest"]
    assert latest <= timezone.now()
    assert FeatureTransition.objects.aggregate(first=Min("at"))["first"] < timezone.now() - dt.timedelta(
        days=30
    )


def test_large_generator_with_reduced_parameters(db):
    # given the benchmark profile made small
    profile = demo.PROFILES["large"].scaled(
        teams=3,
        people_per_team=(5, 6),
        closed_pis=3,
        features_per_team_pi=(4, 5),
        backlog_features=6,
        current_pi_features_per_team=(2, 3),
    )
    # when it is built
    ctx = demo.build(profile, today=dt.date(2026, 6, 17))
    # then it has the shape of the large train, only smaller
    train = ReleaseTrain.objects.get(slug="freight-art")
    assert train.teams.count() == 3
    assert list(train.pis.values_list("state", flat=True)) == ["closed"] * 3 + ["planning"]
    assert Feature.objects.filter(train=train, pi__state="closed").count() >= 3 * 3 * 4 * 0.9
    assert ctx.counts["feature transitions"] == FeatureTransition.objects.filter(feature__train=train).count()
    # the closed PIs follow each other without gaps or overlaps
    pis = list(train.pis.order_by("start_date"))
    for before, after in itertools.pairwise(pis[:3]):
        assert after.start_date == before.end_date + dt.timedelta(days=1)
    # and every feature's history is a sequence
    per_feature = (
        FeatureTransition.objects.filter(feature__train=train).values("feature").annotate(n=Count("id"))
    )
    assert min(row["n"] for row in per_feature) >= 1
    # when built again it does nothing
    assert demo.build(profile) is None


def test_other_apps_add_data_through_seed_steps(db):
    # given a step registered by another app, after the core's steps
    seen = {}

    @demo.seed_step(950, "test-probe")
    def probe(ctx):
        seen["teams"] = len(ctx.teams)
        seen["current"] = ctx.current_pi.state
        ctx.count("probes", 1)

    try:
        ctx = demo.build(demo.PROFILES["demo"].scaled(train_name="Probe ART", train_slug="probe-art"))
    finally:
        demo._STEPS.pop("test-probe")
    # then it ran with what the core made
    assert seen == {"teams": 8, "current": "planning"}
    assert ctx.counts["probes"] == 1
    assert [s.name for s in demo.seed_steps()][:3] == ["logins", "train", "teams"]


def test_calendar_puts_planning_week_between_closed_and_current_pi():
    for today in [dt.date(2026, 11, 16) + dt.timedelta(days=n) for n in range(7)]:
        slots = pi_calendar(today, closed=2)
        assert slots[-2].end < today < slots[-1].start
        assert slots[-1].start.weekday() == 0 and (slots[-1].start - today).days <= 7
        assert slots[0].end + dt.timedelta(days=1) == slots[1].start
        assert len({slot.name for slot in slots}) == 3


def test_history_is_ordered_and_respects_the_limit():
    import random
    import zoneinfo

    rng, tz = random.Random(1), zoneinfo.ZoneInfo("Europe/Berlin")
    limit = dt.datetime(2026, 3, 2, 12, tzinfo=tz)
    for _ in range(200):
        steps = history(
            rng,
            tz,
            path=finished_path(rng, 4),
            created=dt.date(2026, 1, 5),
            ready_by=dt.date(2026, 1, 30),
            work_start=dt.date(2026, 2, 2),
            work_end=dt.date(2026, 2, 27),
            finish_by=dt.date(2026, 3, 6),
            not_after=limit,
        )
        times = [at for _, _, at in steps]
        assert times == sorted(times) and len(set(times)) == len(times)
        assert times[-1] <= limit
        assert all(a != b for a, b, _ in steps)
