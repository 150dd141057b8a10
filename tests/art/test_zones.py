"""Times on a train's pages are in the train's time zone (art.zones): a baseline committed at
23:30 UTC in a train in Pacific/Auckland (UTC+12 in May) reads 11:30 the next day; history
entries likewise. The API still answers in UTC, and no zone outlives its request."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from art import services
from art.models import ChangeRecord, ReleaseTrain
from pi_planning.models import PlanBaseline
from pi_planning.services import plan_baseline_commit

LATE_EVENING_UTC = dt.datetime(2026, 5, 4, 23, 30, tzinfo=dt.UTC)  # Tue 5 May, 11:30 in Auckland


def in_auckland(world):
    ReleaseTrain.objects.filter(pk=world.train.pk).update(time_zone="Pacific/Auckland")


def test_a_baseline_committed_late_in_utc_shows_the_next_local_day(world, client):
    in_auckland(world)
    baseline = plan_baseline_commit(actor=world.rte, pi=world.pi)
    PlanBaseline.objects.filter(pk=baseline.pk).update(committed_at=LATE_EVENING_UTC)
    client.force_login(world.rte)
    url = reverse("pi_planning:board", kwargs={"slug": world.train.slug, "pi_id": world.pi.pk})
    html = client.get(url + "?panel=changes").content.decode()
    assert "Committed Tue 5 May 2026, 11:30" in html
    assert "Mon 4 May 2026, 23:30" not in html


def test_history_entries_show_the_trains_local_time(world, client):
    in_auckland(world)
    feature = services.feature_create(actor=world.rte, train=world.train, title="Wallet")
    services.feature_delete(actor=world.rte, feature=feature)
    ChangeRecord.objects.filter(action="deleted").update(at=LATE_EVENING_UTC)
    client.force_login(world.rte)
    html = client.get(reverse("art:deleted", kwargs={"slug": world.train.slug})).content.decode()
    assert "5 May 2026" in html and "11:30" in html
    assert "23:30" not in html


def test_the_api_answers_in_utc_and_no_zone_outlives_a_request(world, client, api):
    in_auckland(world)
    feature = services.feature_create(
        actor=world.rte, train=world.train, title="Wallet", created_at=LATE_EVENING_UTC
    )
    client.force_login(world.rte)
    client.get(reverse("art:train", kwargs={"slug": world.train.slug}))
    assert timezone.get_current_timezone_name() == "UTC"
    api.force_authenticate(world.rte)
    answer = api.get(f"/api/v1/features/{feature.pk}/").json()
    assert answer["created_at"] == "2026-05-04T23:30:00Z"
