"""REST resources of the planning board, mounted at /api/v1/ (../shared/api.md): the computed
views `pis/{id}/board/` and `pis/{id}/capacity/`, and `holidays/`."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import board as views

router = SimpleRouter()
router.register("holidays", views.HolidayViewSet, basename="holiday")

urlpatterns = [
    path("pis/<int:pk>/board/", views.BoardView.as_view(), name="api-pi-board"),
    path("pis/<int:pk>/capacity/", views.CapacityView.as_view(), name="api-pi-capacity"),
    *router.urls,
]
