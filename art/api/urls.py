"""REST resources of the train's core, mounted at /api/v1/ by art/api_urls.py.

One SimpleRouter per app (no API root view of its own, so that every app can add its routes to
/api/v1/ side by side); the resource paths are those of docs/api.md."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import imports, restore, views, webhooks

router = SimpleRouter()
router.register("tokens", views.ApiTokenViewSet, basename="apitoken")
router.register("trains", views.TrainViewSet, basename="train")
router.register("memberships", views.MembershipViewSet, basename="membership")
router.register("teams", views.TeamViewSet, basename="team")
router.register("team-members", views.TeamMemberViewSet, basename="teammember")
router.register("pis", views.PIViewSet, basename="pi")
router.register("iterations", views.IterationViewSet, basename="iteration")
router.register("absences", views.AbsenceViewSet, basename="absence")
router.register("milestones", views.MilestoneViewSet, basename="milestone")
router.register("features", views.FeatureViewSet, basename="feature")
router.register("stories", views.StoryViewSet, basename="story")
router.register("webhooks", webhooks.WebhookViewSet, basename="webhook")

urlpatterns = [
    path("auth/token/", views.TokenSignInView.as_view(), name="api-token-sign-in"),
    path("imports/jira-csv/", imports.JiraImportView.as_view(), name="api-import-jira-csv"),
    path("history/<int:pk>/restore/", restore.RestoreView.as_view(), name="api-history-restore"),
    *router.urls,
]
