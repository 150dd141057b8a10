"""The dashboard's "Computed …" time after a night that changed nothing: the rows keep their
computed_at (nothing is written), the run that checked them says when they were last checked."""

import datetime as dt

import pytest
from django.utils import timezone

from art.models import FeatureTransition
from metrics import services
from metrics.dashboard import dashboard_data
from metrics.models import MetricSnapshot, RecomputeRun
from tests.art.factories import FeatureFactory, PIFactory

pytestmark = pytest.mark.django_db


def test_a_quiet_night_writes_nothing_and_the_dashboard_shows_when_it_checked(
    django_capture_on_commit_callbacks,
):
    pi = PIFactory(start_date=timezone.localdate() - dt.timedelta(days=20))
    feature = FeatureFactory(train=pi.train, pi=pi, created_at=timezone.now() - dt.timedelta(days=10))
    FeatureTransition.objects.create(
        feature=feature, from_state="", to_state="in_progress", at=timezone.now() - dt.timedelta(days=5)
    )
    with django_capture_on_commit_callbacks(execute=True):
        first, _ = services.recompute_request(actor=None, train=pi.train)
    first.refresh_from_db()
    assert first.state == RecomputeRun.State.DONE
    written = set(MetricSnapshot.objects.filter(train=pi.train).values_list("id", "computed_at"))
    assert written

    with django_capture_on_commit_callbacks(execute=True):
        second, created = services.recompute_request(actor=None, train=pi.train)
    second.refresh_from_db()
    assert created and second.state == RecomputeRun.State.DONE
    # then no row was rewritten, and the dashboard says the figures were checked by the second run
    assert set(MetricSnapshot.objects.filter(train=pi.train).values_list("id", "computed_at")) == written
    assert dashboard_data(train=pi.train).computed_at == second.finished_at
