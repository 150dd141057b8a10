"""Pages of PI planning (namespace "pi_planning"): the board with its backlog and baseline, a
team's capacity page, PI objectives, the confidence vote, the dependency board and the ROAM board."""

from django.urls import path

from pi_planning.views import (
    backlog,
    baselines,
    board,
    board_exports,
    capacity,
    dependencies,
    objectives,
    risks,
    votes,
)

app_name = "pi_planning"

PI = "trains/<slug:slug>/pis/<int:pi_id>/"
BOARD = f"{PI}board/"
CAPACITY = "trains/<slug:slug>/teams/<int:team_id>/capacity/"

urlpatterns = [
    # The planning board
    path(BOARD, board.board, name="board"),
    path(f"{BOARD}fragment/<slug:name>/", board.board_fragment, name="board_fragment"),
    path(f"{BOARD}move/", board.board_move, name="board_move"),
    path(f"{BOARD}dependencies/new/", board.board_dependency_create, name="board_dependency_create"),
    path(f"{BOARD}export.csv", board_exports.board_csv, name="board_csv"),
    path(f"{BOARD}print/", board_exports.board_print, name="board_print"),
    # Its ranked backlog and the baseline
    path(f"{BOARD}features/<int:feature_id>/wsjf/", backlog.feature_wsjf, name="feature_wsjf"),
    path(f"{BOARD}baseline/", baselines.baseline_commit, name="baseline_commit"),
    path(f"{PI}baselines/", baselines.baselines, name="baselines"),
    # A team's capacity
    path(CAPACITY, capacity.team_capacity, name="team_capacity"),
    path(f"{CAPACITY}members/<int:member_id>/", capacity.team_capacity_member, name="team_capacity_member"),
    path(f"{CAPACITY}holidays/add/", capacity.holiday_create, name="holiday_create"),
    path(f"{CAPACITY}holidays/<int:holiday_id>/delete/", capacity.holiday_delete, name="holiday_delete"),
    # PI objectives
    path(f"{PI}objectives/", objectives.objectives, name="objectives"),
    path(f"{PI}objectives/add/", objectives.objective_create, name="objective_create"),
    path(f"{PI}objectives/<int:objective_id>/edit/", objectives.objective_update, name="objective_update"),
    path(f"{PI}objectives/<int:objective_id>/delete/", objectives.objective_delete, name="objective_delete"),
    # Confidence vote: the phone page, and the RTE's control
    path(f"{PI}vote/", votes.vote, name="vote"),
    path(f"{PI}vote/cast/", votes.vote_cast, name="vote_cast"),
    path(f"{PI}confidence/", votes.confidence, name="confidence"),
    path(f"{PI}confidence/<str:scope>/", votes.confidence_scope, name="confidence_scope"),
    path(f"{PI}confidence/<str:scope>/open/", votes.vote_round_open, name="vote_round_open"),
    path(f"{PI}confidence/<str:scope>/reveal/", votes.vote_round_reveal, name="vote_round_reveal"),
    path(
        f"{PI}confidence/concerns/<int:vote_id>/risk/",
        votes.vote_concern_to_risk,
        name="vote_concern_to_risk",
    ),
    # Dependency board
    path(f"{PI}dependencies/", dependencies.dependencies, name="dependencies"),
    path(f"{PI}dependencies/add/", dependencies.dependency_create, name="dependency_create"),
    path(f"{PI}dependencies/<int:dep_id>/", dependencies.dependency, name="dependency"),
    path(f"{PI}dependencies/<int:dep_id>/state/", dependencies.dependency_state, name="dependency_state"),
    path(f"{PI}dependencies/<int:dep_id>/edit/", dependencies.dependency_update, name="dependency_update"),
    path(
        f"{PI}dependencies/<int:dep_id>/comments/", dependencies.dependency_comment, name="dependency_comment"
    ),
    # ROAM board
    path(f"{PI}risks/", risks.risks, name="risks"),
    path(f"{PI}risks/add/", risks.risk_create, name="risk_create"),
    path(f"{PI}risks/<int:risk_id>/", risks.risk, name="risk"),
    path(f"{PI}risks/<int:risk_id>/move/", risks.risk_move, name="risk_move"),
    path(f"{PI}risks/<int:risk_id>/edit/", risks.risk_update, name="risk_update"),
]
