"""REST resources of the train's events, mounted at /api/v1/ (docs/api.md)."""

from rest_framework.routers import SimpleRouter

router = SimpleRouter()
# --- the calendar and events

# --- ART syncs: agenda, minutes, action items

# --- impediments

urlpatterns: list = [
    *router.urls,
]
