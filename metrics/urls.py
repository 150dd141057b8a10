"""Pages of the metrics (HTML and htmx), under each train."""

from django.urls import path

from . import views

app_name = "metrics"

urlpatterns = [
    path("trains/<slug:slug>/metrics/", views.dashboard_page, name="dashboard"),
    path("trains/<slug:slug>/metrics/csv/<slug:chart>/", views.dashboard_csv, name="dashboard_csv"),
    path("trains/<slug:slug>/metrics/forecast/", views.forecast_page, name="forecast"),
    path("trains/<slug:slug>/metrics/forecast/history.csv", views.forecast_csv, name="forecast_csv"),
    path("trains/<slug:slug>/metrics/definitions/", views.definitions_page, name="definitions"),
    path("trains/<slug:slug>/metrics/recompute/", views.recompute, name="recompute"),
    path(
        "trains/<slug:slug>/metrics/recompute/<int:run_id>/", views.recompute_status, name="recompute_status"
    ),
]
