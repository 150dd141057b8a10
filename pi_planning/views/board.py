"""The PI planning board: the team × iteration grid, its named fragments, moves by drag and
by keyboard menu, dependencies drawn between two cards, and its CSV and print exports."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import trigger_client_event

from art import rules
from art.access import Action, can, check, my_team_id, permissions
from art.forms import apply_service_errors
from art.http import HtmxHttpRequest
from art.models import Feature, Iteration, ProgramIncrement, Story, Team
from art.refusals import attempt
from pi_planning import services as planning
from pi_planning.forms.baselines import BaselineForm
from pi_planning.forms.board import DependencyForm, MoveForm, parse_card
from pi_planning.selectors.board import (
    HEALTH_TONES,
    STATUS_ICONS,
    STATUS_TONES,
    BoardData,
    pi_board_data,
)
from pi_planning.selectors.board_changes import board_card, change_rows
from pi_planning.selectors.capacity import BASIS_LABELS, VELOCITY
from pi_planning.services.board import board_move_refusal, feature_stories_along
from pi_planning.views.common import basis_param, pi_for_request

BOARD = "pi_planning/board.html"


FRAGMENTS = {
    "board-grid",
    "milestones-row",
    "team-row",
    "cell",
    "card",
    "dependency-layer",
    "dependency-list",
    "backlog",
    "changes",
    "live",
}


def _expanded(request: HtmxHttpRequest) -> list[int]:
    raw = request.GET.get("expand") or request.POST.get("expand") or ""
    return [int(part) for part in raw.split(",") if part.strip().isdigit()]


PANELS = ("backlog", "dependency-list", "changes")

#: How the board is laid out: "standard" (a laptop) or "projector" (fit to one screen, for the
#: room). `?view=projector` is the RTE's bookmark; the browser also remembers the last choice.
BOARD_VIEWS = ("standard", "projector")

#: Above this many teams, rows start collapsed to their load line (each row and "Collapse all"
#: open them again) and dependency strings are drawn only for the focused or pointed-at cards.
COLLAPSE_ROWS_ABOVE = 12


def board_view_param(request: HtmxHttpRequest) -> str:
    """`?view=`: "projector" or "standard"; anything else is the standard board (a display
    choice, like `basis`: a stale bookmark still opens the board)."""
    view = request.GET.get("view") or ""
    return view if view in BOARD_VIEWS else "standard"


def _panels(request: HtmxHttpRequest) -> list[str]:
    """The side panel's lists the page has loaded (moves answer with those only), or the one a
    page asks to show at once (`?panel=backlog`)."""
    raw = request.POST.get("panels") or request.GET.get("panels") or request.GET.get("panel") or ""
    return [name for name in raw.split(",") if name in PANELS]


@dataclass(frozen=True)
class BoardMoves:
    """What one reader may do on one board, decided by art.access (templates only read it): the
    move menu and dragging are offered exactly where board_move would accept the move. Every
    card pi_board_data loads belongs to this board (services.board.board_rule_refusal); on a
    closed PI nothing moves. Kept in the request's context: the board's cards are shared
    between requests (pi_board_data), so nothing of one reader is written on them."""

    backlog: bool = False  # may move features (rank, team, iteration): the backlog's and the grid's
    teams: frozenset[int] = frozenset()  # teams whose stories they may move and people they may add
    closed: bool = False

    def card(self, card: Feature | Story, kind: str) -> bool:
        if kind == "feature":
            return self.backlog
        return not self.closed and card.team_id in self.teams

    def row(self, team_id: int) -> bool:
        return team_id in self.teams


def board_moves(request: HtmxHttpRequest, board: BoardData) -> BoardMoves:
    user, train_id = request.user, board.pi.train_id
    return BoardMoves(
        backlog=can(user, Action.EDIT_BACKLOG, train_id) and not board.closed,
        teams=frozenset(t.pk for t in board.teams if can(user, Action.EDIT_TEAM, train_id, [t.pk])),
        closed=board.closed,
    )


def board_context(request: HtmxHttpRequest, pi: ProgramIncrement, **extra: Any) -> dict[str, Any]:
    # The page shows no measured velocity on the normalized basis: not read there.
    basis = basis_param(request)
    board = pi_board_data(pi=pi, basis=basis, velocity=basis == VELOCITY)
    flags = permissions(request.user, pi.train_id)
    context: dict[str, Any] = {
        "train": pi.train,
        "pi": pi,
        "board": board,
        "moves": board_moves(request, board),
        "expanded_teams": frozenset(_expanded(request)),
        "can": flags,
        "can_link": flags[Action.EDIT_DEPENDENCY],
        "my_team_id": my_team_id(request.user, pi.train_id),
        "basis": board.basis,
        "basis_labels": BASIS_LABELS,
        "basis_label": BASIS_LABELS[board.basis],
        "lines_json": [line.as_json() for line in board.lines],
        "change_rows": change_rows(board),
        "capacity_rule": rules.capacity.CAPACITY_RULE,
        "health_rule": rules.dependencies.HEALTH_RULE,
        "health_tones": HEALTH_TONES,
        "status_tones": STATUS_TONES,
        "status_icons": STATUS_ICONS,
        "ip_rule": "The IP iteration (Innovation & Planning) carries no planned feature load.",
        "urls": _board_urls(pi),
        "panels": _panels(request),
        "board_view": board_view_param(request),
        "big_train": len(board.teams) > COLLAPSE_ROWS_ABOVE,
        "collapse_rows_above": COLLAPSE_ROWS_ABOVE,
    }
    if flags[Action.RUN_EVENTS]:
        context["baseline_form"] = BaselineForm()
    context.update(extra)
    return context


def board_url(pi: ProgramIncrement) -> str:
    return reverse("pi_planning:board", kwargs={"slug": pi.train.slug, "pi_id": pi.pk})


def _board_urls(pi: ProgramIncrement) -> dict[str, str]:
    kwargs = {"slug": pi.train.slug, "pi_id": pi.pk}
    urls = {
        name: reverse(f"pi_planning:{name}", kwargs=kwargs)
        for name in (
            "board",
            "board_move",
            "board_dependency_create",
            "baseline_commit",
            "baselines",
            "board_csv",
            "board_print",
        )
    }
    urls["fragment"] = urls["board"] + "fragment/"
    urls["features"] = urls["board"] + "features/"
    return urls


def _card_label(card: Feature | Story) -> str:
    return f"{card.key} {card.title}"


def _where(board: BoardData, kind: str, card_id: int) -> str:
    card = board.card(kind, card_id)
    if card is None:
        return "its place"
    team = board.team_by_id.get(card.team_id) if card.team_id else None
    iteration = board.iteration_by_id.get(card.iteration_id) if card.iteration_id else None
    return f"{team.name if team else 'no team'} · {iteration.name if iteration else 'not planned'}"


def _oob_response(
    request: HtmxHttpRequest,
    pi: ProgramIncrement,
    *,
    team_ids: Iterable[int | None],
    message: str,
    level: str,
    status: int = 200,
    saved: str = "",
    feature_ids: Iterable[int | None] = (),
    whole_backlog: bool = False,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """What a board write answers: the team rows it touched, the dependency layer and list,
    the backlog rows (or the whole backlog) and the changes, all swapped out of band, and the
    message in the board's status line; a dialog's form with its errors when refused."""
    context = board_context(request, pi, **(extra or {}))
    board = context["board"]
    wanted = {t for t in team_ids if t}
    context.update(
        oob_rows=[row for row in board.rows if row.team.pk in wanted],
        oob_backlog=whole_backlog,
        oob_features=[f for f in board.backlog if f.pk in {i for i in feature_ids if i}],
        status_message=message,
        status_level=level,
        saved_card=saved,
    )
    response = render(request, f"{BOARD}#write-result", context, status=status)
    return trigger_client_event(
        response, "board:changed", {"saved": saved, "level": level, "message": message}, after="settle"
    )


@require_GET
@login_required
def board(request: HtmxHttpRequest, slug: str, pi_id: int) -> HttpResponse:
    pi = pi_for_request(request, slug, pi_id)
    context = board_context(request, pi)
    move = parse_card(request.GET.get("move", ""))
    if move is not None:  # the keyboard/no-script move menu, opened on the page
        context.update(_move_form_context(request, pi, *move))
        context["open_move"] = True
    if request.htmx and request.htmx.target in FRAGMENTS:
        return render(request, f"{BOARD}#{request.htmx.target}", context)
    return render(request, BOARD, context)


@require_GET
@login_required
def board_fragment(request: HtmxHttpRequest, slug: str, pi_id: int, name: str) -> HttpResponse:
    """One named partial of the board, rendered alone from current data: `team-row?team=`,
    `cell?team=&iteration=`, `card?card=feature-12`, `dependency-layer`, `backlog`, ..."""
    if name not in FRAGMENTS:
        raise Http404("No such part of the board")
    pi = pi_for_request(request, slug, pi_id)
    context = board_context(request, pi)
    board_data: BoardData = context["board"]
    team_id = request.GET.get("team", "")
    iteration_id = request.GET.get("iteration", "")
    if name in {"team-row", "cell"}:
        row = board_data.row(int(team_id)) if team_id.isdigit() else None
        if row is None:
            raise Http404("No such team on this board")
        context["row"] = row
        if name == "cell":
            cell = board_data.cell(row.team.pk, int(iteration_id)) if iteration_id.isdigit() else None
            if cell is None:
                raise Http404("No such iteration on this board")
            context["cell"] = cell
    elif name == "live":  # a change someone made: the rows of the teams it touched, and the rest
        raw = request.GET.get("teams", "all")
        wanted = {int(t) for t in raw.split(",") if t.strip().isdigit()}
        context.update(
            oob_rows=[r for r in board_data.rows if raw == "all" or r.team.pk in wanted],
        )
        return render(request, f"{BOARD}#live-result", context)
    elif name == "card":
        parsed = parse_card(request.GET.get("card", ""))
        card = board_data.card(*parsed) if parsed else None
        if card is None:
            raise Http404("No such card on this board")
        context.update(card=card, kind=parsed[0])  # type: ignore[index]
    if not request.htmx:  # the link opened on its own (new tab, shared): the board, at that part
        part = context.get("card") or context.get("cell") or context.get("row")
        anchor = part.dom_id if part is not None else name
        panel = name if name in PANELS else ""
        if context.get("kind") == "feature":  # every feature of the PI has its backlog row
            panel = "backlog"
            anchor = anchor if context["card"].on_board else f"backlog-feature-{context['card'].pk}"
        url = reverse("pi_planning:board", kwargs={"slug": slug, "pi_id": pi.pk})
        return redirect(f"{url}{f'?panel={panel}' if panel else ''}#{anchor}")
    return render(request, f"{BOARD}#{name}", context)


def _move_form_context(
    request: HtmxHttpRequest,
    pi: ProgramIncrement,
    kind: str,
    card_id: int,
    drop: tuple[Team, Iteration | None] | None = None,
) -> dict[str, Any]:
    """The move menu of a card; for a feature, what its move would take along. `drop`: the
    team and iteration a feature was dropped on, for the question the board asks after a drop
    ("Move its N unfinished stories too?"), which the form carries as hidden fields."""
    card = board_card(pi=pi, kind=kind, card_id=card_id)
    refusal = board_move_refusal(actor=request.user, pi=pi, card=card)
    if refusal:  # the menu says why instead of offering a move the server would refuse
        return {"move_card": card, "move_kind": kind, "move_refusal": refusal}
    teams = Team.objects.filter(train_id=pi.train_id).order_by("name")
    if isinstance(card, Story) and not can(request.user, Action.MANAGE_TRAIN, pi.train_id):
        teams = teams.filter(pk=card.team_id)  # a team moves its stories in its own row
    iteration = (
        card.iteration_id
        if card.iteration_id and card.iteration is not None and card.iteration.pi_id == pi.pk
        else None
    )
    initial: dict[str, Any] = {
        "kind": kind,
        "card": card.pk,
        "version": card.version,
        "team": card.team_id,
        "iteration": iteration,
    }
    along = None
    if isinstance(card, Feature):
        team, target = drop if drop is not None else (None, None)
        along = feature_stories_along(actor=request.user, pi=pi, feature=card, team=team, iteration=target)
        initial.update(move_stories=True, pull_in_stories=True, story_versions=along.versions_text)
        if team is not None:  # a drop: where it was dropped, on the version the board showed
            seen = request.GET.get("version", "")
            initial.update(team=team.pk, iteration=target.pk if target else None)
            if seen.isdigit():
                initial["version"] = int(seen)
    form = MoveForm(pi=pi, teams=teams, initial=initial)
    offer_move = offer_pull = False
    if along is not None and not along.refusal:
        offer_move = along.moving > 0
        offer_pull = along.pulled_in > 0 if drop is not None else bool(along.versions)
        n, m = along.moving, along.pulled_in
        if drop is not None:
            form.fields["move_stories"].label = f"Move its {n} unfinished stor{pluralize(n, 'y,ies')} too?"
            form.fields[
                "pull_in_stories"
            ].label = f"Pull in {m} stor{pluralize(m, 'y,ies')} placed after {along.iteration_name}?"
        else:
            form.fields[
                "move_stories"
            ].label = f"Move its {n} unfinished stor{pluralize(n, 'y,ies')} too, if it changes team"
            form.fields["pull_in_stories"].label = "Pull in its stories placed after the new iteration"
    return {
        "move_form": form,
        "move_card": card,
        "move_kind": kind,
        "move_along": along,
        "move_drop": drop is not None,
        "move_asks": along is not None and along.asks,
        "offer_move_stories": offer_move,
        "offer_pull_in": offer_pull,
        "drop_team": drop[0] if drop else None,
        "drop_iteration": drop[1] if drop else None,
    }


def _drop_target(request: HtmxHttpRequest, pi: ProgramIncrement) -> tuple[Team, Iteration | None] | None:
    """The team and iteration of `?team=&iteration=` (a drop on the board), or None."""
    team_id, iteration_id = request.GET.get("team", ""), request.GET.get("iteration", "")
    if not team_id.isdigit():
        return None
    team = Team.objects.filter(train_id=pi.train_id, pk=int(team_id)).first()
    if team is None:
        raise Http404("No such team on this board")
    iteration = None
    if iteration_id.isdigit():
        iteration = Iteration.objects.filter(pi=pi, pk=int(iteration_id)).first()
        if iteration is None:
            raise Http404("No such iteration on this board")
    return team, iteration


@require_http_methods(["GET", "POST"])
@login_required
def board_move(request: HtmxHttpRequest, slug: str, pi_id: int) -> HttpResponse:
    """GET: the move menu of a card (`?card=story-12`), the keyboard's way to drag; with
    `&team=&iteration=&version=`, the question a feature's drop asks about its stories. POST:
    place the card (kind, card, version, team, iteration; for a feature move_stories,
    pull_in_stories, story_versions) through the services."""
    pi = pi_for_request(request, slug, pi_id)
    if request.method == "GET":
        parsed = parse_card(request.GET.get("card", ""))
        if parsed is None:
            raise Http404("Which card? Pass ?card=feature-12 or ?card=story-12")
        drop = _drop_target(request, pi) if parsed[0] == "feature" else None
        context = board_context(request, pi, **_move_form_context(request, pi, *parsed, drop=drop))
        if not request.htmx:
            return redirect(f"{board_url(pi)}?move={parsed[0]}-{parsed[1]}")
        return render(request, f"{BOARD}#move-form", context)

    from_dialog = request.POST.get("source") == "dialog"
    form = MoveForm(request.POST, pi=pi)
    if not form.is_valid():
        message = "; ".join(f"{e}" for errors in form.errors.values() for e in errors)
        if not request.htmx:
            messages.error(request, f"Not moved: {message}")
            return redirect(board_url(pi))
        return _oob_response(
            request, pi, team_ids=(), message=f"Not moved: {message}", level="error", status=422
        )
    data = form.cleaned_data
    kind, team, iteration = data["kind"], data["team"], data["iteration"]
    card = board_card(pi=pi, kind=kind, card_id=data["card"])
    label = _card_label(card)
    old_team = card.team_id
    parent_id = card.feature_id if isinstance(card, Story) else card.pk
    status, level, saved, message = 200, "success", "", ""
    extra: dict[str, Any] = {}
    is_feature = isinstance(card, Feature)
    moved, refusal = attempt(
        lambda: planning.board_card_move(
            actor=request.user,
            pi=pi,
            card=card,
            team=team,
            iteration=iteration,
            version=data["version"],
            move_stories=is_feature and data["move_stories"],
            pull_in_stories=is_feature and data["pull_in_stories"],
            story_versions=data["story_versions"] if is_feature else None,
        )
    )
    carried: list[Story] = []
    if refusal is not None:
        status, level = refusal.status, "error"
        reasons = refusal.errors.get("iteration") or refusal.errors.get("story_versions") or [refusal.message]
        message = f"Not moved: {' '.join(reasons)}"
        if refusal.conflict is not None:
            message = (
                f"{label} was changed by someone else meanwhile: your move was not saved. "
                "The card now shows where it is; move it again if you still want to."
            )
            extra["conflict_card"] = f"{kind}-{card.pk}"
        elif refusal.status == 422:
            extra["refused_iteration"] = iteration.pk if iteration is not None else None
            if from_dialog:
                for name, reasons in refusal.errors.items():
                    for reason in reasons:
                        form.add_error(name if name in ("team", "iteration") else None, reason)
                extra.update(move_form=form, move_card=card, move_kind=kind)
    else:
        saved = f"{kind}-{card.pk}"
        placed = (
            Iteration.objects.filter(pk=moved.iteration_id).values_list("name", flat=True).first()
            if moved.iteration_id is not None
            else None
        )
        carried = getattr(moved, "carried_stories", [])
        along = f", with {len(carried)} stor{'y' if len(carried) == 1 else 'ies'}" if carried else ""
        message = f"Saved: {card.key} is now in {team.name} · {placed or 'not planned'}{along}."
    if not request.htmx:
        (messages.success if level == "success" else messages.error)(request, message)
        return redirect(board_url(pi))
    # The rows it left and joined, its feature's row (whose delivery iteration may follow), and
    # the rows of the stories it carried (a story pulled in stays in its own team's row).
    team_ids: list[int | None] = [old_team, team.pk, *(s.team_id for s in carried)]
    if parent_id:
        team_ids.append(Feature.objects.filter(pk=parent_id).values_list("team_id", flat=True).first())
    return _oob_response(
        request,
        pi,
        team_ids=team_ids,
        message=message,
        level=level,
        status=status,
        saved=saved,
        feature_ids=[parent_id],
        whole_backlog=isinstance(card, Feature),
        extra=extra,
    )


def _dependency_form_initial(
    pi: ProgramIncrement, requester: Feature | None, provider: Feature | None
) -> dict:
    iterations = list(Iteration.objects.filter(pi=pi).order_by("number"))
    needed_by = None
    if (
        requester is not None
        and requester.iteration_id
        and requester.iteration_id in {i.pk for i in iterations}
    ):
        needed_by = requester.iteration_id
    elif iterations:
        needed_by = next((i.pk for i in iterations if not i.is_ip), iterations[0].pk)
    initial: dict[str, Any] = {"needed_by": needed_by}
    if requester is not None:
        initial.update(feature=requester.pk, requester_team=requester.team_id)
    if provider is not None:
        initial.update(provider_feature=provider.pk, provider_team=provider.team_id)
    if requester is not None and provider is not None:
        initial["title"] = f"{provider.title} for {requester.key}"[:240]
    return initial


def _feature_param(request: HtmxHttpRequest, pi: ProgramIncrement, name: str) -> Feature | None:
    value = request.GET.get(name, "")
    parsed = parse_card(value) if "-" in value else (("feature", int(value)) if value.isdigit() else None)
    if parsed is None or parsed[0] != "feature":
        return None
    return Feature.objects.filter(train_id=pi.train_id, pk=parsed[1]).first()


@require_http_methods(["GET", "POST"])
@login_required
def board_dependency_create(request: HtmxHttpRequest, slug: str, pi_id: int) -> HttpResponse:
    """GET: the form (from linking two cards: `?requester=feature-3&provider=feature-9`, or
    blank). POST: create the dependency through pi_planning.services.dependency_create."""
    pi = pi_for_request(request, slug, pi_id)
    if request.method == "GET":
        form = DependencyForm(
            pi=pi,
            initial=_dependency_form_initial(
                pi, _feature_param(request, pi, "requester"), _feature_param(request, pi, "provider")
            ),
        )
        context = board_context(request, pi, dependency_form=form, open_dependency=True)
        if request.htmx:
            return render(request, f"{BOARD}#dependency-form", context)
        return render(request, BOARD, context)

    form = DependencyForm(request.POST, pi=pi)
    if form.is_valid():
        data = form.cleaned_data
        teams = [data["requester_team"].pk, data["provider_team"].pk if data["provider_team"] else None]
        check(request.user, Action.EDIT_DEPENDENCY, pi.train_id, teams)
        try:
            dependency = planning.dependency_create(
                actor=request.user,
                pi=pi,
                requester_team=data["requester_team"],
                provider_team=data["provider_team"],
                external_provider=data["external_provider"],
                feature=data["feature"],
                provider_feature=data["provider_feature"],
                needed_by=data["needed_by"],
                title=data["title"],
                description=data["description"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            message = (
                f"Dependency {dependency.key} added: {dependency.requester_team.name} needs it from "
                f"{dependency.provider_name} by {dependency.needed_by.name}."
            )
            if not request.htmx:
                messages.success(request, message)
                return redirect(board_url(pi))
            response = _oob_response(
                request,
                pi,
                team_ids=teams,
                message=message,
                level="success",
                feature_ids=[
                    data["feature"] and data["feature"].pk,
                    data["provider_feature"] and data["provider_feature"].pk,
                ],
                extra={"dependency_created": dependency},
            )
            return trigger_client_event(
                response, "board:dependency-created", {"id": dependency.pk}, after="settle"
            )
    context = board_context(request, pi, dependency_form=form, open_dependency=True, oob=bool(request.htmx))
    name = f"{BOARD}#dependency-form" if request.htmx else BOARD
    return render(request, name, context, status=422)
