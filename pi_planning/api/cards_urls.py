"""REST resources of the card boards, mounted at /api/v1/ (../shared/api.md)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import cards as views

router = SimpleRouter()
router.register("objectives", views.ObjectiveViewSet, basename="objective")
router.register("votes", views.VoteViewSet, basename="vote")
router.register("risks", views.RiskViewSet, basename="risk")
router.register("dependencies", views.DependencyViewSet, basename="dependency")

urlpatterns = [
    path("pis/<int:pi_id>/confidence/", views.ConfidenceView.as_view(), name="pi-confidence"),
    path("pis/<int:pi_id>/confidence/open/", views.ConfidenceOpenView.as_view(), name="pi-confidence-open"),
    path(
        "pis/<int:pi_id>/confidence/reveal/",
        views.ConfidenceRevealView.as_view(),
        name="pi-confidence-reveal",
    ),
    path(
        "pis/<int:pi_id>/confidence/concerns/", views.ConcernListView.as_view(), name="pi-confidence-concerns"
    ),
    path(
        "pis/<int:pi_id>/confidence/concerns/<int:vote_id>/risk/",
        views.ConcernToRiskView.as_view(),
        name="pi-confidence-concern-risk",
    ),
    *router.urls,
]
