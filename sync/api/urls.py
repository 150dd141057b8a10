"""REST resources of the train's events, mounted at /api/v1/ (docs/api.md)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from sync.api import calendar

router = SimpleRouter()
# --- the calendar and events
router.register("events", calendar.EventViewSet, basename="event")
calendar_urls = [
    path(
        "pis/<int:pi_id>/events/generate/", calendar.PIEventsGenerateView.as_view(), name="pi-events-generate"
    ),
    path("trains/<int:train_id>/cadence/", calendar.CadenceView.as_view(), name="train-cadence"),
    path("trains/<int:train_id>/ical-url/", calendar.IcalUrlView.as_view(), name="train-ical-url"),
]

# --- ART syncs: agenda, minutes, action items

# --- impediments

urlpatterns: list = [
    *calendar_urls,
    *router.urls,
]
