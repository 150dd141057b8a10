from django.urls import include, path

urlpatterns = [
    path("", include("pi_planning.api.board_urls")),
    path("", include("pi_planning.api.cards_urls")),
]
