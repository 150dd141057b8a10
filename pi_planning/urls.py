from django.urls import include, path

app_name = "pi_planning"

urlpatterns = [
    path("", include("pi_planning.board_urls")),
    path("", include("pi_planning.cards_urls")),
]
