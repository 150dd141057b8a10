"""/api/v1/: every app's REST face under one router."""

from django.urls import include, path

urlpatterns = [
    path("", include("art.api.urls")),
]
