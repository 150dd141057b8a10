"""REST resources of PI planning, mounted at /api/v1/ (docs/api.md): the computed views of a PI
(board, board moves, baselines and their comparison, capacity, confidence vote) and the
resources `holidays/`, `objectives/`, `votes/`, `risks/` and `dependencies/`."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from pi_planning.api import baselines, board, capacity, dependencies, objectives, risks, votes

router = SimpleRouter()
router.register("holidays", capacity.HolidayViewSet, basename="holiday")
router.register("objectives", objectives.ObjectiveViewSet, basename="objective")
router.register("votes", votes.VoteViewSet, basename="vote")
router.register("risks", risks.RiskViewSet, basename="risk")
router.register("dependencies", dependencies.DependencyViewSet, basename="dependency")

urlpatterns = [
    path("pis/<int:pk>/board/", board.BoardView.as_view(), name="api-pi-board"),
    path("pis/<int:pk>/board/moves/", board.BoardMoveView.as_view(), name="api-pi-board-moves"),
    path("pis/<int:pk>/baselines/", baselines.BaselineListView.as_view(), name="api-pi-baselines"),
    path(
        "pis/<int:pk>/baselines/<int:baseline_id>/compare/",
        baselines.BaselineCompareView.as_view(),
        name="api-pi-baseline-compare",
    ),
    path("pis/<int:pk>/capacity/", capacity.CapacityView.as_view(), name="api-pi-capacity"),
    path("pis/<int:pi_id>/confidence/", votes.ConfidenceView.as_view(), name="pi-confidence"),
    path("pis/<int:pi_id>/confidence/open/", votes.ConfidenceOpenView.as_view(), name="pi-confidence-open"),
    path(
        "pis/<int:pi_id>/confidence/reveal/",
        votes.ConfidenceRevealView.as_view(),
        name="pi-confidence-reveal",
    ),
    path(
        "pis/<int:pi_id>/confidence/concerns/", votes.ConcernListView.as_view(), name="pi-confidence-concerns"
    ),
    path(
        "pis/<int:pi_id>/confidence/concerns/<int:vote_id>/risk/",
        votes.ConcernToRiskView.as_view(),
        name="pi-confidence-concern-risk",
    ),
    *router.urls,
]
