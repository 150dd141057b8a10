"""Pages of the train's core (HTML and htmx)."""

from django.urls import path

from . import views

app_name = "art"

urlpatterns = [
    path("trains/", views.my_trains, name="my_trains"),
    path("new-train/", views.train_create, name="train_create"),
    path("trains/<slug:slug>/", views.train, name="train"),
    path("trains/<slug:slug>/teams/add/", views.team_create, name="team_create"),
    path("trains/<slug:slug>/teams/<int:team_id>/", views.team, name="team"),
    path("trains/<slug:slug>/teams/<int:team_id>/edit/", views.team_update, name="team_update"),
    path("trains/<slug:slug>/teams/<int:team_id>/delete/", views.team_delete, name="team_delete"),
    path(
        "trains/<slug:slug>/teams/<int:team_id>/people/add/",
        views.team_member_create,
        name="team_member_create",
    ),
    path(
        "trains/<slug:slug>/teams/<int:team_id>/people/<int:member_id>/edit/",
        views.team_member_update,
        name="team_member_update",
    ),
    path(
        "trains/<slug:slug>/teams/<int:team_id>/people/<int:member_id>/delete/",
        views.team_member_delete,
        name="team_member_delete",
    ),
    path("trains/<slug:slug>/people/add/", views.membership_create, name="membership_create"),
    path(
        "trains/<slug:slug>/people/<int:membership_id>/edit/",
        views.membership_update,
        name="membership_update",
    ),
    path(
        "trains/<slug:slug>/people/<int:membership_id>/delete/",
        views.membership_delete,
        name="membership_delete",
    ),
    path("trains/<slug:slug>/pis/add/", views.pi_create, name="pi_create"),
    path("trains/<slug:slug>/pis/<int:pi_id>/", views.pi, name="pi"),
    path("trains/<slug:slug>/pis/<int:pi_id>/edit/", views.pi_update, name="pi_update"),
    path(
        "trains/<slug:slug>/pis/<int:pi_id>/iterations/<int:iteration_id>/edit/",
        views.iteration_update,
        name="iteration_update",
    ),
    path(
        "trains/<slug:slug>/pis/<int:pi_id>/milestones/add/", views.milestone_create, name="milestone_create"
    ),
    path(
        "trains/<slug:slug>/pis/<int:pi_id>/milestones/<int:milestone_id>/edit/",
        views.milestone_update,
        name="milestone_update",
    ),
    path(
        "trains/<slug:slug>/pis/<int:pi_id>/milestones/<int:milestone_id>/delete/",
        views.milestone_delete,
        name="milestone_delete",
    ),
    path("account/tokens/", views.tokens, name="tokens"),
    path("account/tokens/new/", views.token_create, name="token_create"),
    path("account/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]
