"""Pages of the planning board, its backlog and the team capacity page (namespace pi_planning)."""

from django.urls import path

from pi_planning.views import board as views

BOARD = "trains/<slug:slug>/pis/<int:pi_id>/board/"
CAPACITY = "trains/<slug:slug>/teams/<int:team_id>/capacity/"

urlpatterns = [
    path(BOARD, views.board, name="board"),
    path(f"{BOARD}fragment/<slug:name>/", views.board_fragment, name="board_fragment"),
    path(f"{BOARD}move/", views.board_move, name="board_move"),
    path(f"{BOARD}dependencies/new/", views.board_dependency_create, name="board_dependency_create"),
    path(f"{BOARD}features/<int:feature_id>/wsjf/", views.feature_wsjf, name="feature_wsjf"),
    path(f"{BOARD}baseline/", views.baseline_commit, name="baseline_commit"),
    path(f"{BOARD}export.csv", views.board_csv, name="board_csv"),
    path(f"{BOARD}print/", views.board_print, name="board_print"),
    path(CAPACITY, views.team_capacity, name="team_capacity"),
    path(f"{CAPACITY}members/<int:member_id>/", views.team_capacity_member, name="team_capacity_member"),
    path(f"{CAPACITY}holidays/add/", views.holiday_create, name="holiday_create"),
    path(f"{CAPACITY}holidays/<int:holiday_id>/delete/", views.holiday_delete, name="holiday_delete"),
]
