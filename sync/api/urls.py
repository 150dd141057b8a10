"""REST resources of the train's events, mounted at /api/v1/ (docs/api.md)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from sync.api import impediments, syncs

router = SimpleRouter()
# --- the calendar and events

# --- ART syncs: agenda, minutes, action items
router.register("action-items", syncs.ActionItemViewSet, basename="action-item")

# --- impediments
router.register("impediments", impediments.ImpedimentViewSet, basename="impediment")

urlpatterns: list = [
    # --- the calendar and events
    # --- ART syncs: agenda, minutes, action items
    path("events/<int:event_id>/agenda/", syncs.AgendaView.as_view(), name="api-event-agenda"),
    path("events/<int:event_id>/decisions/", syncs.DecisionsView.as_view(), name="api-event-decisions"),
    path("events/<int:event_id>/escalations/", syncs.EscalationsView.as_view(), name="api-event-escalations"),
    # --- impediments
    *router.urls,
]
