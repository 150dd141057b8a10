"""The ART Kanban's move service and board selector, on constructed trains with figures worked
by hand."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from art import services
from art.errors import ConflictError
from art.models import ChangeRecord, Feature, FeatureTransition, Membership, WipBreach
from art.selectors.kanban import aging_threshold, kanban_board
from tests.art.factories import FeatureFactory, MembershipFactory, TeamFactory, TrainFactory, UserFactory

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


def feature(train, state, *, team=None, kind="business", since=None, flow_since=None, done_at=None):
    """A feature in `state`, entered at `since` (its history: created, into the flow at
    `flow_since` if given, then into `state`)."""
    now = timezone.now()
    f = FeatureFactory(train=train, team=team, kind=kind, state=state, created_at=now - 400 * DAY)
    history = [("", "funnel", now - 400 * DAY)]
    if flow_since is not None and state != "ready":
        history.append(("funnel", "ready", flow_since))
    entered = done_at or since or now - DAY
    history.append((history[-1][1], state, entered))
    FeatureTransition.objects.bulk_create(
        FeatureTransition(feature=f, from_state=a, to_state=b, at=at) for a, b, at in history if a != b
    )
    return f


def seat(train, role, team=None):
    user = UserFactory()
    MembershipFactory(user=user, train=train, role=role, team=team)
    return user


def snapshot(f):
    f.refresh_from_db()
    return (
        f.state,
        f.version,
        FeatureTransition.objects.filter(feature=f).count(),
        WipBreach.objects.count(),
    )


# --- the move ------------------------------------------------------------------------------


def test_a_move_is_one_transition_with_its_history_and_a_new_version():
    train = TrainFactory()
    product = seat(train, Membership.Role.PRODUCT)
    f = feature(train, "ready")
    before = FeatureTransition.objects.filter(feature=f).count()
    moved = services.feature_transition_add(actor=product, feature=f, state="in_progress", version=f.version)
    assert (moved.state, moved.version) == ("in_progress", f.version + 1)
    last = FeatureTransition.objects.filter(feature=f).order_by("-id").first()
    assert FeatureTransition.objects.filter(feature=f).count() == before + 1
    assert (last.from_state, last.to_state, last.actor, last.reason) == ("ready", "in_progress", product, "")
    record = ChangeRecord.objects.filter(object_id=f.pk, content_type__model="feature").first()
    assert (record.actor, record.changes) == (product, {"state": ["ready", "in_progress"]})


def test_team_members_move_their_own_team_features_among_the_delivery_states():
    train = TrainFactory()
    mine, theirs = TeamFactory(train=train, name="Ledger"), TeamFactory(train=train, name="Payouts")
    member = seat(train, Membership.Role.MEMBER, mine)
    own = feature(train, "in_progress", team=mine)
    services.feature_transition_add(actor=member, feature=own, state="review")
    assert Feature.objects.get(pk=own.pk).state == "review"

    other = feature(train, "in_progress", team=theirs)
    ready = feature(train, "ready", team=mine)
    for f, state, words in [
        (other, "review", "Team members move their own team's features only: this one is another team's."),
        (ready, "in_progress", "Team members move their own team's features among In progress, Review,"),
        (own, "done", "moving from Review to Done is for product management and the RTE"),
    ]:
        before = snapshot(f)
        with pytest.raises(PermissionDenied) as refused:
            services.feature_transition_add(actor=member, feature=f, state=state)
        assert words in str(refused.value)
        assert snapshot(f) == before


@pytest.mark.parametrize("role", [Membership.Role.VIEWER, Membership.Role.BUSINESS_OWNER])
def test_viewers_and_business_owners_move_nothing(role):
    train = TrainFactory()
    f = feature(train, "ready")
    before = snapshot(f)
    with pytest.raises(PermissionDenied):
        services.feature_transition_add(actor=seat(train, role), feature=f, state="in_progress")
    assert snapshot(f) == before


def test_a_stale_version_changes_nothing():
    train = TrainFactory()
    f = feature(train, "ready")
    before = snapshot(f)
    with pytest.raises(ConflictError):
        services.feature_transition_add(
            actor=seat(train, "rte"), feature=f, state="review", version=f.version - 1 or 99
        )
    assert snapshot(f) == before


def test_a_move_into_a_full_column_needs_a_reason_recorded_with_it():
    train = TrainFactory()
    rte = seat(train, Membership.Role.RTE)
    services.train_update(actor=rte, train=train, wip_limits={"in_progress": 2})
    feature(train, "in_progress")
    feature(train, "in_progress")
    f = feature(train, "ready")
    before = snapshot(f)
    with pytest.raises(ValidationError) as refused:
        services.feature_transition_add(actor=rte, feature=f, state="in_progress")
    assert refused.value.message_dict == {
        "reason": ["In progress is at its WIP limit of 2: give a reason to go over it"]
    }
    assert snapshot(f) == before

    services.feature_transition_add(actor=rte, feature=f, state="in_progress", reason="Regulator deadline")
    breach = WipBreach.objects.get()
    assert (breach.scope, breach.state, breach.count, breach.limit, breach.reason, breach.actor) == (
        "column",
        "in_progress",
        3,
        2,
        "Regulator deadline",
        rte,
    )
    assert breach.feature_key == Feature.objects.get(pk=f.pk).key
    assert FeatureTransition.objects.filter(feature=f).order_by("-id").first().reason == "Regulator deadline"
    assert ChangeRecord.objects.filter(content_type__model="wipbreach", object_id=breach.pk).exists()
    feature_record = ChangeRecord.objects.filter(content_type__model="feature", object_id=f.pk).first()
    assert feature_record.changes["reason"] == [None, "Regulator deadline"]


def test_a_move_to_a_column_below_its_limit_needs_no_reason():
    train = TrainFactory(wip_limits={"in_progress": 2})
    feature(train, "in_progress")
    f = feature(train, "ready")
    services.feature_transition_add(actor=None, feature=f, state="in_progress")
    assert WipBreach.objects.count() == 0


def test_a_back_dated_transition_is_history_and_meets_no_limit():
    train = TrainFactory(wip_limits={"in_progress": 1})
    feature(train, "in_progress")
    f = feature(train, "ready", since=timezone.now() - 10 * DAY)
    services.feature_transition_add(actor=None, feature=f, state="in_progress", at=timezone.now() - 7 * DAY)
    assert Feature.objects.get(pk=f.pk).state == "in_progress"
    assert WipBreach.objects.count() == 0


def test_a_team_lane_limit_asks_for_a_reason_when_a_feature_enters_the_flow():
    train = TrainFactory()
    ledger = TeamFactory(train=train, name="Ledger", wip_limit=2)
    feature(train, "ready", team=ledger)
    feature(train, "blocked", team=ledger)
    feature(train, "in_progress", team=TeamFactory(train=train))  # another team's: not counted
    f = feature(train, "analyzing", team=ledger)
    with pytest.raises(ValidationError) as refused:
        services.feature_transition_add(actor=None, feature=f, state="ready")
    assert refused.value.message_dict["reason"] == [
        "Ledger's lane is at its WIP limit of 2 features in flow: give a reason to go over it"
    ]
    services.feature_transition_add(
        actor=None, feature=f, state="ready", reason="Pair on the ledger cut-over"
    )
    breach = WipBreach.objects.get()
    assert (breach.scope, breach.team, breach.count, breach.limit) == ("lane", ledger, 3, 2)


def test_limits_and_policies_are_kept_in_the_history_and_refused_with_the_column_named():
    train = TrainFactory()
    rte = seat(train, Membership.Role.RTE)
    services.train_update(
        actor=rte,
        train=train,
        wip_limits={"review": 3, "in_progress": 8},
        kanban_policies={"review": "Reviewed"},
    )
    services.train_update(actor=rte, train=train, wip_limits={"in_progress": 6})
    train.refresh_from_db()
    assert train.wip_limits == {"in_progress": 6}
    assert train.kanban_policies == {"review": "Reviewed"}
    changes = [
        r.changes for r in ChangeRecord.objects.filter(content_type__model="releasetrain").order_by("id")
    ]
    assert changes[-1] == {"wip_limits": [{"in_progress": 8, "review": 3}, {"in_progress": 6}]}
    with pytest.raises(ValidationError) as refused:
        services.train_update(actor=rte, train=train, wip_limits={"in_progress": 0})
    assert refused.value.message_dict == {
        "wip_limits": ["the WIP limit of In progress must be a whole number from 1 to 1000"]
    }
    train.refresh_from_db()
    assert train.wip_limits == {"in_progress": 6}


# --- the board -----------------------------------------------------------------------------


def test_the_board_counts_columns_train_wide_and_flags_breaches():
    train = TrainFactory(
        wip_limits={"in_progress": 2, "review": 2}, kanban_policies={"review": "Code reviewed"}
    )
    ledger, payouts = TeamFactory(train=train, name="Ledger"), TeamFactory(train=train, name="Payouts")
    now = timezone.now()
    for team in (ledger, ledger, payouts):
        feature(train, "in_progress", team=team)
    feature(train, "review", team=ledger)
    feature(train, "review", team=payouts)
    feature(train, "done", done_at=now - 3 * DAY)
    feature(train, "done", done_at=now - 13 * DAY)
    for days in (15, 30, 90):
        feature(train, "done", done_at=now - days * DAY)
    feature(train, "cancelled")

    board = kanban_board(train=train, now=now)
    columns = {c.state: c for c in board.columns}
    assert list(columns) == [
        "funnel",
        "analyzing",
        "ready",
        "in_progress",
        "review",
        "blocked",
        "awaiting_deploy",
        "done",
    ]
    assert (
        columns["in_progress"].count,
        columns["in_progress"].limit,
        columns["in_progress"].over_limit,
    ) == (3, 2, True)
    assert (columns["review"].count, columns["review"].over_limit, columns["review"].at_limit) == (
        2,
        False,
        True,
    )
    assert columns["review"].policy == "Code reviewed"
    assert (columns["done"].count, columns["done"].earlier) == (2, 3)
    assert [c.state for c in board.over_limit] == ["in_progress"]

    with_cancelled = kanban_board(train=train, include_cancelled=True, now=now)
    assert with_cancelled.columns[-1].state == "cancelled" and with_cancelled.columns[-1].count == 1

    # A team filter shows the team's cards; the limit still counts the whole train.
    payouts_only = {c.state: c for c in kanban_board(train=train, team=payouts, now=now).columns}
    assert (payouts_only["in_progress"].count, payouts_only["in_progress"].train_count) == (1, 3)
    assert payouts_only["in_progress"].over_limit is True
    assert payouts_only["done"].earlier == 0


def test_lanes_by_team_and_by_kind():
    train = TrainFactory()
    ledger = TeamFactory(train=train, name="Ledger", wip_limit=1)
    TeamFactory(train=train, name="Empty")
    feature(train, "in_progress", team=ledger)
    feature(train, "ready", team=ledger, kind="enabler")
    feature(train, "funnel")
    by_team = kanban_board(train=train, lane_by="team")
    assert [(lane.label, lane.count, lane.in_flow, lane.over_limit) for lane in by_team.lanes] == [
        ("Ledger", 2, 2, True),
        ("No team", 1, 0, False),
    ]
    by_kind = kanban_board(train=train, lane_by="kind")
    assert [(lane.key, lane.count) for lane in by_kind.lanes] == [
        ("business", 2),
        ("enabler", 1),
        ("defect", 0),
    ]


def test_aging_against_the_85th_percentile_flow_time_of_the_last_12_weeks():
    train = TrainFactory()
    now = timezone.now()
    # Ten features finished 20 days ago with flow times 1, 2, 2, 3, 3, 4, 5, 6, 8, 13 days: p85 = 8.
    for days in (1, 2, 2, 3, 3, 4, 5, 6, 8, 13):
        finished = now - 20 * DAY
        feature(train, "done", flow_since=finished - days * DAY, done_at=finished)
    # One finished 13 weeks ago (outside the window) with a flow time of 100 days: not counted.
    feature(train, "done", flow_since=now - 191 * DAY, done_at=now - 91 * DAY)
    assert aging_threshold(train=train, now=now) == (8.0, 10)

    nine = feature(train, "in_progress", flow_since=now - 9 * DAY, since=now - 2 * DAY)
    eight = feature(train, "review", flow_since=now - 8 * DAY, since=now - DAY)
    waiting = feature(train, "ready", since=now - 30 * DAY)  # in flow since it entered ready
    feature(train, "analyzing", since=now - 50 * DAY)  # not in flow: never aging
    board = kanban_board(train=train, now=now)
    items = {i.id: i for i in board.items}
    assert (items[nine.pk].days_in_flow, items[nine.pk].days_in_state, items[nine.pk].aging) == (
        9.0,
        2.0,
        True,
    )
    assert (items[eight.pk].days_in_flow, items[eight.pk].aging) == (8.0, False)
    assert (items[waiting.pk].days_in_flow, items[waiting.pk].aging) == (30.0, True)
    assert [i.id for i in board.aging] == [waiting.pk, nine.pk]


def test_the_board_reads_in_a_fixed_number_of_queries():
    def count(n):
        train = TrainFactory(wip_limits={"in_progress": 2})
        teams = [TeamFactory(train=train) for _ in range(3)]
        for i in range(n):
            feature(train, ["ready", "in_progress", "done", "review"][i % 4], team=teams[i % 3])
        with CaptureQueriesContext(connection) as queries:
            board = kanban_board(train=train, lane_by="team")
            assert len(board.items) == n
        return len(queries.captured_queries)

    assert count(4) == count(40) <= 7


def test_the_flow_metrics_see_a_move():
    from metrics.selectors import train_flow, train_today

    train = TrainFactory()
    f = feature(train, "analyzing", since=timezone.now() - 3 * DAY)
    today = train_today(train)
    before = train_flow(train=train, start=today, end=today + DAY).load[-1].wip
    services.feature_transition_add(actor=None, feature=f, state="in_progress")
    after = train_flow(train=train, start=today, end=today + DAY).load[-1].wip
    assert (before, after) == (0, 1)
