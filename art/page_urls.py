"""Pages of the train's core (HTML and htmx)."""

from django.urls import path

from .views import deleted, imports, kanban, live, memberships, pis, teams, tokens, trains, webhooks

app_name = "art"

urlpatterns = [
    path("trains/", trains.my_trains, name="my_trains"),
    path("new-train/", trains.train_create, name="train_create"),
    path("trains/<slug:slug>/", trains.train, name="train"),
    path("trains/<slug:slug>/deleted/", deleted.deleted, name="deleted"),
    path("trains/<slug:slug>/kanban/", kanban.kanban, name="kanban"),
    path("trains/<slug:slug>/kanban/move/<int:feature_id>/", kanban.kanban_move, name="kanban_move"),
    path("trains/<slug:slug>/kanban/settings/", kanban.kanban_settings, name="kanban_settings"),
    path("trains/<slug:slug>/kanban/aging/", kanban.kanban_aging, name="kanban_aging"),
    path("trains/<slug:slug>/kanban/aging.csv", kanban.kanban_aging_csv, name="kanban_aging_csv"),
    path("trains/<slug:slug>/live/presence/", live.live_presence, name="live_presence"),
    path("trains/<slug:slug>/deleted/<int:record_id>/restore/", deleted.restore, name="restore"),
    path("trains/<slug:slug>/import/jira/", imports.jira_import, name="jira_import"),
    path(
        "trains/<slug:slug>/import/jira/preview/",
        imports.jira_import_preview_page,
        name="jira_import_preview",
    ),
    path("trains/<slug:slug>/import/jira/apply/", imports.jira_import_apply, name="jira_import_apply"),
    path("trains/<slug:slug>/teams/add/", teams.team_create, name="team_create"),
    path("trains/<slug:slug>/teams/<int:team_id>/", teams.team, name="team"),
    path("trains/<slug:slug>/teams/<int:team_id>/edit/", teams.team_update, name="team_update"),
    path("trains/<slug:slug>/teams/<int:team_id>/delete/", teams.team_delete, name="team_delete"),
    path(
        "trains/<slug:slug>/teams/<int:team_id>/people/add/",
        teams.team_member_create,
        name="team_member_create",
    ),
    path(
        "trains/<slug:slug>/teams/<int:team_id>/people/<int:member_id>/edit/",
        teams.team_member_update,
        name="team_member_update",
    ),
    path(
        "trains/<slug:slug>/teams/<int:team_id>/people/<int:member_id>/delete/",
        teams.team_member_delete,
        name="team_member_delete",
    ),
    path("trains/<slug:slug>/people/add/", memberships.membership_create, name="membership_create"),
    path(
        "trains/<slug:slug>/people/<int:membership_id>/edit/",
        memberships.membership_update,
        name="membership_update",
    ),
    path(
        "trains/<slug:slug>/people/<int:membership_id>/delete/",
        memberships.membership_delete,
        name="membership_delete",
    ),
    path("trains/<slug:slug>/pis/add/", pis.pi_create, name="pi_create"),
    path("trains/<slug:slug>/pis/<int:pi_id>/", pis.pi, name="pi"),
    path("trains/<slug:slug>/pis/<int:pi_id>/edit/", pis.pi_update, name="pi_update"),
    path(
        "trains/<slug:slug>/pis/<int:pi_id>/iterations/<int:iteration_id>/edit/",
        pis.iteration_update,
        name="iteration_update",
    ),
    path("trains/<slug:slug>/pis/<int:pi_id>/milestones/add/", pis.milestone_create, name="milestone_create"),
    path(
        "trains/<slug:slug>/pis/<int:pi_id>/milestones/<int:milestone_id>/edit/",
        pis.milestone_update,
        name="milestone_update",
    ),
    path(
        "trains/<slug:slug>/pis/<int:pi_id>/milestones/<int:milestone_id>/delete/",
        pis.milestone_delete,
        name="milestone_delete",
    ),
    path("trains/<slug:slug>/webhooks/", webhooks.webhooks, name="webhooks"),
    path("trains/<slug:slug>/webhooks/add/", webhooks.webhook_create, name="webhook_create"),
    path(
        "trains/<slug:slug>/webhooks/<int:webhook_id>/edit/", webhooks.webhook_update, name="webhook_update"
    ),
    path(
        "trains/<slug:slug>/webhooks/<int:webhook_id>/delete/", webhooks.webhook_delete, name="webhook_delete"
    ),
    path("trains/<slug:slug>/webhooks/<int:webhook_id>/test/", webhooks.webhook_test, name="webhook_test"),
    path(
        "trains/<slug:slug>/webhooks/<int:webhook_id>/deliveries/<int:delivery_id>/redeliver/",
        webhooks.webhook_redeliver,
        name="webhook_redeliver",
    ),
    path("account/tokens/", tokens.tokens, name="tokens"),
    path("account/tokens/new/", tokens.token_create, name="token_create"),
    path("account/tokens/<int:token_id>/revoke/", tokens.token_revoke, name="token_revoke"),
]
