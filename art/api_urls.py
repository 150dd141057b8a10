"""/api/v1/: every app's REST face side by side, plus the OpenAPI schema and its docs.

Apps add their resources here: `path("", include("pi_planning.api.urls"))`."""

from csp.decorators import csp_update
from django.http import JsonResponse
from django.urls import include, path, re_path
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation


class HtmlPageNegotiation(DefaultContentNegotiation):
    """The docs are an HTML page whatever the client's Accept header says (no 406)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except NotAcceptable:
            return renderers[0], renderers[0].media_type


@method_decorator(csp_update({"style-src": ["'unsafe-inline'"]}), name="dispatch")
class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI with its start-up script served as a file (`?script`), so that the page lives
    with the Content-Security-Policy; Swagger UI's own styles need inline style elements."""

    content_negotiation_class = HtmlPageNegotiation


@csrf_exempt  # nothing is written: a token client gets the API's 404, not a CSRF page
def api_not_found(request, *args, **kwargs):
    """Unknown paths under /api/v1/ answer in the API's format, not with the HTML 404 page."""
    return JsonResponse({"detail": f"No API resource at {request.path}. See /api/v1/docs/."}, status=404)


urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", DocsView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("art.api.urls")),
    path("", include("pi_planning.api.urls")),
    path("", include("metrics.api.urls")),
    path("", include("sync.api.urls")),
    # last: anything else under /api/v1/
    re_path(r"^.*$", api_not_found),
]
