"""REST resources of the metrics, mounted at /api/v1/ by art/api_urls.py (docs/api.md)."""

from django.urls import path

from . import views

urlpatterns = [
    path("metrics/predictability/", views.PredictabilityView.as_view(), name="api-metrics-predictability"),
    path("metrics/flow/", views.FlowView.as_view(), name="api-metrics-flow"),
    path("metrics/forecast/", views.ForecastView.as_view(), name="api-metrics-forecast"),
    path("metrics/dependency-age/", views.DependencyAgeView.as_view(), name="api-metrics-dependency-age"),
    path("metrics/recompute/", views.RecomputeView.as_view(), name="api-metrics-recompute"),
    path(
        "metrics/recompute/<int:run_id>/", views.RecomputeRunView.as_view(), name="api-metrics-recompute-run"
    ),
]
