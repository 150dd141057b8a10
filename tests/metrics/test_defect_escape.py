"""Defect escape rate and flow efficiency on the dashboard, and WIP named by its states: the
selector, the headlines and the page, on figures worked by hand (docs/domain.md, "Defect escape
rate" and "The dashboard")."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from art.models import Feature
from art.selectors.quality import defect_flags
from metrics import services
from metrics.dashboard import dashboard_data
from tests.art.factories import FeatureFactory, TrainFactory
from tests.metrics.conftest import make_feature, utc


def defect(train, created, escaped=False, state="ready", kind="defect"):
    return FeatureFactory(
        train=train, kind=kind, found_after_release=escaped, state=state, created_at=created
    )


@pytest.fixture
def defects(world):
    """The domain.md example (dates in 2026, the world's train in UTC): defects raised 10 Sep
    (escaped), 1 Oct, 20 Nov (escaped) and 3 Dec, and one 25 Nov that was cancelled; besides, a
    business feature and another train's escaped defect, neither counted."""
    train = world.train
    defect(train, utc(10, 9, month=9), escaped=True)
    defect(train, utc(1, 9, month=10))
    defect(train, utc(20, 9, month=11), escaped=True, state="done")
    defect(train, utc(3, 9, month=12))
    defect(train, utc(25, 9, month=11), escaped=True, state="cancelled")
    defect(train, utc(2, 9, month=12), kind="business")
    defect(TrainFactory(), utc(2, 9, month=12), escaped=True)
    return world


def test_defect_flags_are_the_window_s_defects_without_cancelled_ones(defects):
    # the window [12 Sep, 5 Dec)
    flags = defect_flags(train=defects.train, lo=utc(12, month=9), hi=utc(5, month=12))
    assert flags == [(utc(1, 9, month=10), False), (utc(20, 9, month=11), True), (utc(3, 9, month=12), False)]


def headline(data, key):
    return next(h for h in data.headlines if h.key == key)


def test_defect_escape_headline_worked_by_hand(defects):
    # today 4 Dec: the last 12 weeks run from 12 Sep, the 12 before from 20 Jun
    data = dashboard_data(train=defects.train, today=dt.date(2026, 12, 4))
    h = headline(data, "defect_escape_rate")
    # 1 of 3 → 33.3 %; before, 1 of 1 → 100 %
    assert h.value == "33.3 %"
    assert h.detail.startswith("Found after release: 1 of the 3 defects raised in the last 12 weeks")
    assert h.trend is not None and h.trend.better is True
    assert h.trend.text == "−66.7 points against the 12 weeks before (100 %)"
    assert h.definition == "defect-escape-rate"


def test_defect_escape_without_defects_is_n_a(world):
    h = headline(dashboard_data(train=world.train, today=dt.date(2026, 12, 4)), "defect_escape_rate")
    assert (h.value, h.trend) == ("n/a", None)
    assert h.detail == "No defect was raised in the last 12 weeks."


def test_flow_efficiency_headline_worked_by_hand(flow_train):
    # A (51 h active of 122 h in flow) and B (reopened, 64 h of 108 h) finished 8 and 7 May,
    # pooled: (51 + 64) ÷ (122 + 108) = 50 %
    h = headline(dashboard_data(train=flow_train.train, today=dt.date(2026, 5, 10)), "flow_efficiency")
    assert h.value == "50.0 %"
    assert "the 2 features finished in the last 12 weeks" in h.detail
    assert h.trend is None  # nothing finished in the 12 weeks before
    assert h.definition == "efficiency"
    # 12 weeks later A and B have left the window
    later = headline(dashboard_data(train=flow_train.train, today=dt.date(2026, 8, 10)), "flow_efficiency")
    assert (later.value, later.detail) == ("n/a", "No feature was finished in the last 12 weeks.")


def test_the_page_shows_both_figures_and_wip_by_its_states(world):
    # three defects raised this week and ready, one found after release; a feature in progress
    now = timezone.now()
    for escaped in (True, False, False):
        made = make_feature(
            world.train,
            ("funnel", now - dt.timedelta(days=3)),
            ("ready", now - dt.timedelta(days=2)),
            kind="defect",
        )
        Feature.objects.filter(pk=made.pk).update(found_after_release=escaped)
    make_feature(
        world.train, ("ready", now - dt.timedelta(days=3)), ("in_progress", now - dt.timedelta(days=2))
    )
    services.recompute_snapshots(train_id=world.train.pk)
    client = Client()
    client.force_login(world.viewer)
    html = client.get(f"/trains/{world.train.slug}/metrics/").content.decode()
    base = f"/trains/{world.train.slug}/metrics/definitions/"
    assert "Defect escape rate, last 12 weeks" in html and "33.3 %" in html
    assert "Flow efficiency, last 12 weeks" in html
    assert f'href="{base}#defect-escape-rate"' in html and f'href="{base}#efficiency"' in html
    # the three ready defects are waiting, not started work
    assert "1 active: in progress, review" in html
    assert "3 waiting: ready, blocked, awaiting deploy" in html


def test_definitions_no_longer_say_it_is_missing(world):
    client = Client()
    client.force_login(world.viewer)
    html = client.get(f"/trains/{world.train.slug}/metrics/definitions/").content.decode()
    assert "Not on the dashboard yet" not in html
    assert "found_after_release" in html


def test_only_a_defect_may_be_found_after_release(world):
    from django.core.exceptions import ValidationError

    feature = Feature(train=world.train, title="Faster payouts", kind="business", found_after_release=True)
    with pytest.raises(ValidationError) as caught:
        feature.full_clean()
    assert "found_after_release is only for defects" in str(caught.value.message_dict["found_after_release"])
