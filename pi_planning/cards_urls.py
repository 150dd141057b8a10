"""Pages of the card boards, under /trains/<slug>/pis/<pi_id>/ (namespace "pi_planning")."""

from django.urls import path

from pi_planning.views import cards as views

PI = "trains/<slug:slug>/pis/<int:pi_id>/"

urlpatterns = [
    # PI objectives
    path(f"{PI}objectives/", views.objectives, name="objectives"),
    path(f"{PI}objectives/add/", views.objective_create, name="objective_create"),
    path(f"{PI}objectives/<int:objective_id>/edit/", views.objective_update, name="objective_update"),
    path(f"{PI}objectives/<int:objective_id>/delete/", views.objective_delete, name="objective_delete"),
    # Confidence vote: the phone page, and the RTE's control
    path(f"{PI}vote/", views.vote, name="vote"),
    path(f"{PI}vote/cast/", views.vote_cast, name="vote_cast"),
    path(f"{PI}confidence/", views.confidence, name="confidence"),
    path(f"{PI}confidence/<str:scope>/", views.confidence_scope, name="confidence_scope"),
    path(f"{PI}confidence/<str:scope>/open/", views.vote_round_open, name="vote_round_open"),
    path(f"{PI}confidence/<str:scope>/reveal/", views.vote_round_reveal, name="vote_round_reveal"),
    path(
        f"{PI}confidence/concerns/<int:vote_id>/risk/",
        views.vote_concern_to_risk,
        name="vote_concern_to_risk",
    ),
    # Dependency board
    path(f"{PI}dependencies/", views.dependencies, name="dependencies"),
    path(f"{PI}dependencies/add/", views.dependency_create, name="dependency_create"),
    path(f"{PI}dependencies/<int:dep_id>/", views.dependency, name="dependency"),
    path(f"{PI}dependencies/<int:dep_id>/state/", views.dependency_state, name="dependency_state"),
    path(f"{PI}dependencies/<int:dep_id>/edit/", views.dependency_update, name="dependency_update"),
    path(f"{PI}dependencies/<int:dep_id>/comments/", views.dependency_comment, name="dependency_comment"),
    # ROAM board
    path(f"{PI}risks/", views.risks, name="risks"),
    path(f"{PI}risks/add/", views.risk_create, name="risk_create"),
    path(f"{PI}risks/<int:risk_id>/", views.risk, name="risk"),
    path(f"{PI}risks/<int:risk_id>/move/", views.risk_move, name="risk_move"),
    path(f"{PI}risks/<int:risk_id>/edit/", views.risk_update, name="risk_update"),
]
