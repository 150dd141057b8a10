"""REST resources of the train's events, mounted at /api/v1/ (docs/api.md)."""

from rest_framework.routers import SimpleRouter

router = SimpleRouter()
# --- the calendar and events

# --- ART syncs: agenda, minutes, action items

# --- impediments
from sync.api import impediments  # noqa: E402  (each section imports its own resources)

router.register("impediments", impediments.ImpedimentViewSet, basename="impediment")

urlpatterns: list = [
    *router.urls,
]
