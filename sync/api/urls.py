"""REST resources of the train's events, mounted at /api/v1/ (docs/api.md)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from sync.api import calendar, impediments, improvements, syncs

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
router.register("action-items", syncs.ActionItemViewSet, basename="action-item")

# --- impediments
router.register("impediments", impediments.ImpedimentViewSet, basename="impediment")

# --- improvement backlog and readiness
router.register("improvement-items", improvements.ImprovementItemViewSet, basename="improvement-item")
readiness_urls = [
    path("pis/<int:pi_id>/readiness/", improvements.PIReadinessView.as_view(), name="pi-readiness"),
]

urlpatterns: list = [
    *calendar_urls,
    # --- the calendar and events
    # --- ART syncs: agenda, minutes, action items
    path("events/<int:event_id>/agenda/", syncs.AgendaView.as_view(), name="api-event-agenda"),
    path("events/<int:event_id>/decisions/", syncs.DecisionsView.as_view(), name="api-event-decisions"),
    path("events/<int:event_id>/escalations/", syncs.EscalationsView.as_view(), name="api-event-escalations"),
    # --- impediments
    *router.urls,
    # --- improvement backlog and readiness
    *readiness_urls,
]

# --- inspect & adapt: the problem-solving workshop (its votes and Pareto chart), causes, solutions
from sync.api import workshops  # noqa: E402

workshop_router = SimpleRouter()
workshop_router.register("workshops", workshops.WorkshopViewSet, basename="workshop")
workshop_router.register("causes", workshops.CauseViewSet, basename="cause")
workshop_router.register("solutions", workshops.SolutionViewSet, basename="solution")
urlpatterns += workshop_router.urls

# --- system demos and release notes
from sync.api import demos  # noqa: E402  (its own block, for merges)

demo_router = SimpleRouter()
demo_router.register("system-demos", demos.SystemDemoViewSet, basename="system-demo")
demo_router.register("demo-items", demos.DemoItemViewSet, basename="demo-item")
demo_router.register("demo-feedback", demos.DemoFeedbackViewSet, basename="demo-feedback")
urlpatterns += [
    path(
        "iterations/<int:pk>/release-notes/",
        demos.IterationReleaseNotesView.as_view(),
        name="iteration-release-notes",
    ),
    path("pis/<int:pk>/release-notes/", demos.PIReleaseNotesView.as_view(), name="pi-release-notes"),
    *demo_router.urls,
]
