from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from art.health import healthz

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="art:my_trains", permanent=False)),
    path("healthz", healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("art.api_urls")),
    path("", include("art.page_urls")),
    path("", include("metrics.urls")),
    path("", include("pi_planning.urls")),
    path("", include("sync.urls")),
]

# Error pages; the API's paths get JSON (art.views.errors).
handler400 = "art.views.errors.bad_request"
handler403 = "art.views.errors.permission_denied"
handler404 = "art.views.errors.page_not_found"
handler500 = "art.views.errors.server_error"
