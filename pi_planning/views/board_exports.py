"""The planning board's exports: the board as CSV (one row per card) and its print layout (A3
landscape, ten teams a page)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from art import rules
from art.http import HtmxHttpRequest, csv_response, download_filename
from art.models import Feature, Story
from pi_planning.selectors.board import pi_board_data
from pi_planning.views.board import board_context
from pi_planning.views.common import basis_param, pi_for_request

PRINT = "pi_planning/board_print.html"
PRINT_TEAMS_PER_PAGE = 10


CSV_COLUMNS = [
    "kind",
    "key",
    "title",
    "team",
    "iteration",
    "points",
    "state",
    "feature",
    "wsjf",
    "cost_of_delay",
    "dependencies",
    "dependency_health",
    "change_since_baseline",
]


@require_GET
@login_required
def board_csv(request: HtmxHttpRequest, slug: str, pi_id: int) -> HttpResponse:
    """The board as CSV: every feature and story of the PI with team, iteration, points,
    state and the health of its dependencies (the worst, with the count)."""
    pi = pi_for_request(request, slug, pi_id)
    board_data = pi_board_data(pi=pi, basis=basis_param(request))
    teams, iterations = board_data.team_by_id, board_data.iteration_by_id

    def place(card: Feature | Story) -> tuple[str, str]:
        team = teams.get(card.team_id) if card.team_id else None
        iteration = iterations.get(card.iteration_id) if card.iteration_id else None
        return (team.name if team else "", iteration.name if iteration else "")

    rows: list[list[object]] = []
    for feature in board_data.features:
        team, iteration = place(feature)
        rows.append(
            [
                "feature",
                feature.key,
                feature.title,
                team,
                iteration,
                feature.points if feature.points is not None else "",
                feature.get_state_display(),
                "",
                f"{feature.wsjf:.2f}" if feature.wsjf is not None else "",
                feature.cost_of_delay if feature.cost_of_delay is not None else "",
                feature.deps.count,
                feature.deps.label,
                feature.change or "",
            ]
        )
    for story in board_data.stories:
        team, iteration = place(story)
        late = story.late_for
        rows.append(
            [
                "story",
                story.key,
                story.title,
                team,
                iteration,
                story.points if story.points is not None else "",
                story.get_state_display(),
                story.parent.key if story.parent else "",
                "",
                "",
                len(late),
                rules.dependencies.HEALTH_LABELS[rules.dependencies.RED] if late else "",
                story.change or "",
            ]
        )
    filename = download_filename(pi.train.slug, pi.name, "board", extension="csv")
    return csv_response(filename, CSV_COLUMNS, rows)


@require_GET
@login_required
def board_print(request: HtmxHttpRequest, slug: str, pi_id: int) -> HttpResponse:
    """A3 landscape, one page per up to 10 teams: the plan on paper for the wall."""
    pi = pi_for_request(request, slug, pi_id)
    context = board_context(request, pi)
    rows = context["board"].rows
    context["pages"] = [
        rows[i : i + PRINT_TEAMS_PER_PAGE] for i in range(0, len(rows), PRINT_TEAMS_PER_PAGE)
    ] or [[]]
    return render(request, PRINT, context)
