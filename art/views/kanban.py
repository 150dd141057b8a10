"""The ART Kanban: the train's features in columns by state with the WIP limits and policies the
RTE sets, moved by drag or by the "Move to" menu (one view, one service), and the aging work
page with its CSV. The rules are art.rules.kanban; the read is art.selectors.kanban."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget

from art import rules, services
from art.access import (
    Action,
    feature_any_move_refusal,
    feature_move_refusal,
    feature_move_targets,
    object_for_user,
    permissions,
    train_for_user,
)
from art.errors import ConflictError
from art.forms import KanbanMoveForm, KanbanSettingsForm
from art.http import HtmxHttpRequest, csv_response, download_filename, toast
from art.models import Feature, FeatureState, ProgramIncrement, ReleaseTrain, Team
from art.selectors.kanban import LANE_BY, KanbanBoard, KanbanItem, kanban_board

K = rules.kanban
KANBAN = "art/kanban.html"
AGING = "art/kanban_aging.html"


# --- the board's filters ------------------------------------------------------------------------


@dataclass
class Filters:
    """What the board shows: a PI, a team, a kind, cancelled work or not, and its swim lanes.
    Unknown or foreign values are ignored (the whole train is shown)."""

    pis: list[ProgramIncrement]
    teams: list[Team]
    pi: ProgramIncrement | None = None
    team: Team | None = None
    kind: str = ""
    include_cancelled: bool = False
    lane_by: str = "none"

    @classmethod
    def parse(cls, train: ReleaseTrain, params: QueryDict) -> Filters:
        pis = list(ProgramIncrement.objects.filter(train=train).order_by("-start_date"))
        teams = list(Team.objects.filter(train=train).order_by("name"))
        pi_id, team_id = params.get("pi", ""), params.get("team", "")
        kind = params.get("kind", "")
        lane_by = params.get("lanes", "none")
        return cls(
            pis=pis,
            teams=teams,
            pi=next((p for p in pis if str(p.pk) == pi_id), None),
            team=next((t for t in teams if str(t.pk) == team_id), None),
            kind=kind if kind in Feature.Kind.values else "",
            include_cancelled=params.get("cancelled") in ("1", "on", "true"),
            lane_by=lane_by if lane_by in LANE_BY else "none",
        )

    def query(self) -> str:
        """The filters as a query string (only those that differ from the default)."""
        values = {
            "pi": self.pi.pk if self.pi else "",
            "team": self.team.pk if self.team else "",
            "kind": self.kind,
            "cancelled": "1" if self.include_cancelled else "",
            "lanes": "" if self.lane_by == "none" else self.lane_by,
        }
        return urlencode({k: v for k, v in values.items() if v})


def _params(request: HtmxHttpRequest) -> QueryDict:
    # A move or a settings form sends the filters along (hx-include) so the board comes back as shown.
    return request.POST if request.method == "POST" else request.GET


def _kanban_url(train: ReleaseTrain, filters: Filters | None = None, anchor: str = "") -> str:
    url = reverse("art:kanban", kwargs={"slug": train.slug})
    query = filters.query() if filters else ""
    return url + (f"?{query}" if query else "") + (f"#{anchor}" if anchor else "")


# --- the board ----------------------------------------------------------------------------------


def _days(value: float | None) -> str:
    if value is None:
        return ""
    if value < 1:
        return "less than a day"
    whole = int(value)
    return f"{whole} day{'s' if whole != 1 else ''}"


def _decorate(request: HtmxHttpRequest, train: ReleaseTrain, item: KanbanItem) -> None:
    item.moves = feature_move_targets(request.user, train.pk, item.team_id, item.state)
    item.move_choices = [(s, K.label(s)) for s in item.moves]  # type: ignore[attr-defined]
    item.in_state_words = _days(item.days_in_state)  # type: ignore[attr-defined]
    item.in_flow_words = _days(item.days_in_flow)  # type: ignore[attr-defined]
    for name in ("refusal", "conflict", "asking"):
        if not hasattr(item, name):
            setattr(item, name, None)


def _context(
    request: HtmxHttpRequest,
    train: ReleaseTrain,
    filters: Filters,
    *,
    overrides: dict[int, dict[str, Any]] | None = None,
    settings_form: KanbanSettingsForm | None = None,
) -> dict[str, Any]:
    board = kanban_board(
        train=train,
        pi=filters.pi,
        team=filters.team,
        kind=filters.kind,
        include_cancelled=filters.include_cancelled,
        lane_by=filters.lane_by,
    )
    overrides = overrides or {}
    for item in board.items:
        for name, value in overrides.get(item.id, {}).items():
            setattr(item, name, value)
        _decorate(request, train, item)
    can = permissions(request.user, train.pk)
    context: dict[str, Any] = {
        "train": train,
        "board": board,
        "filters": filters,
        "kinds": Feature.Kind.choices,
        "can": can,
        "query": filters.query(),
        "may_move": any(item.moves for item in board.items),
        "total": sum(c.train_count for c in board.columns),
    }
    if can[Action.MANAGE_TRAIN]:
        context["settings_form"] = settings_form or KanbanSettingsForm(
            initial=KanbanSettingsForm.initial_of(train)
        )
        context["open_settings"] = settings_form is not None
    return context


@require_GET
@login_required
def kanban(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.VIEW)
    context = _context(request, train, Filters.parse(train, request.GET))
    if request.htmx and request.htmx.target == "kanban-board":
        return render(request, f"{KANBAN}#board", context)
    return render(request, KANBAN, context)


# --- moving a card ------------------------------------------------------------------------------


def _card(
    request: HtmxHttpRequest,
    train: ReleaseTrain,
    filters: Filters,
    feature_id: int,
    status: int,
    **state: Any,
) -> HttpResponse:
    """The card as it is now, with what refused the move on it: only the card for htmx (the
    script puts it back in its column), else the page with the card so marked."""
    context = _context(request, train, filters, overrides={feature_id: state})
    asking = state.get("asking")
    if asking:  # the reason form shows where the move was going: its limit and its policy
        asking["column"] = next((c for c in context["board"].columns if c.state == asking["target"]), None)
    item = next((i for i in context["board"].items if i.id == feature_id), None)
    if not request.htmx or item is None:
        return render(request, KANBAN, context, status=status)
    context["item"] = item
    return render(request, f"{KANBAN}#card", context, status=status)


def _first_message(exc: ValidationError) -> tuple[str, str]:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            return name, errors[0]
    return "state", exc.messages[0]


@require_POST
@login_required
def kanban_move(request: HtmxHttpRequest, slug: str, feature_id: int) -> HttpResponse:
    """A move by drag or by the "Move to" menu: the move rule first (403 with its words), then
    the service with the card's version (409 stale, 422 over a WIP limit without a reason:
    the card asks for one with the column's policy). A move made answers the whole board, so
    that its counts and limit marks are right."""
    train = train_for_user(request.user, slug, Action.VIEW)
    feature = object_for_user(request.user, Feature.objects.filter(train=train), feature_id)
    filters = Filters.parse(train, request.POST)
    refusal = feature_any_move_refusal(request.user, train.pk, feature.team_id, feature.state)
    target = request.POST.get("state", "")
    if not refusal and target in FeatureState.values:  # the rule before the rest of the form
        refusal = feature_move_refusal(request.user, train.pk, feature.team_id, feature.state, target)
    if refusal:
        return _refused(request, train, filters, feature.pk, refusal)
    form = KanbanMoveForm(request.POST)
    if not form.is_valid():
        name, errors = next(iter(form.errors.items()))
        return _card(request, train, filters, feature.pk, 422, refusal={"field": name, "message": errors[0]})
    data = form.cleaned_data
    target, reason = data["state"], data["reason"]
    try:
        moved = services.feature_transition_add(
            actor=request.user, feature=feature, state=target, version=data["version"], reason=reason
        )
    except PermissionDenied as exc:
        return _refused(request, train, filters, feature.pk, str(exc))
    except ConflictError as exc:
        conflict = {"target": target, "target_label": K.label(target), "yours": exc.expected_version}
        return _card(request, train, filters, feature.pk, 409, conflict=conflict)
    except ValidationError as exc:
        name, message = _first_message(exc)
        asking = {
            "target": target,
            "target_label": K.label(target),
            "message": message,
            "field": name,
            "reason": reason,
            "policy": (train.kanban_policies or {}).get(target, ""),
            "needs_reason": name == "reason",
        }
        return _card(request, train, filters, feature.pk, 422, asking=asking)
    words = f"{moved.key} moved to {K.label(moved.state)}" + (" over its WIP limit." if reason else ".")
    if not request.htmx:
        messages.success(request, words)
        return redirect(_kanban_url(train, filters, f"feature-card-{moved.pk}"))
    response = render(request, f"{KANBAN}#board", _context(request, train, filters))
    return toast(reswap(retarget(response, "#kanban-board"), "outerHTML"), words)


def _refused(
    request: HtmxHttpRequest, train: ReleaseTrain, filters: Filters, feature_id: int, words: str
) -> HttpResponse:
    if not request.htmx:
        raise PermissionDenied(words)
    return _card(request, train, filters, feature_id, 403, refusal={"field": "state", "message": words})


# --- limits and policies ----------------------------------------------------------------------------


@require_POST
@login_required
def kanban_settings(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The RTE sets the columns' WIP limits and policies (team lane limits: the team's edit form)."""
    train = train_for_user(request.user, slug, Action.MANAGE_TRAIN)
    filters = Filters.parse(train, request.POST)
    form = KanbanSettingsForm(request.POST)
    if form.is_valid():
        try:
            train = services.train_update(actor=request.user, train=train, **form.settings())
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            words = "WIP limits and policies saved."
            if not request.htmx:
                messages.success(request, words)
                return redirect(_kanban_url(train, filters))
            context = _context(request, train, filters)
            board = render_to_string(f"{KANBAN}#board", context, request=request)
            fresh = render_to_string(f"{KANBAN}#settings", {**context, "oob": True}, request=request)
            return toast(HttpResponse(board + fresh), words)
    context = _context(request, train, filters, settings_form=form)
    if request.htmx:
        response = render(request, f"{KANBAN}#settings", context, status=422)
        return reswap(retarget(response, "#kanban-settings"), "outerHTML")
    return render(request, KANBAN, context, status=422)


# --- aging work -----------------------------------------------------------------------------------


def _aging_board(request: HtmxHttpRequest, slug: str) -> KanbanBoard:
    train = train_for_user(request.user, slug, Action.VIEW)
    return kanban_board(train=train)


@require_GET
@login_required
def kanban_aging(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Aging work: the features in flow longer than the train's threshold, longest first."""
    board = _aging_board(request, slug)
    items = board.aging
    for item in items:
        item.in_state_words = _days(item.days_in_state)  # type: ignore[attr-defined]
        item.in_flow_words = _days(item.days_in_flow)  # type: ignore[attr-defined]
    context = {
        "train": board.train,
        "board": board,
        "items": items,
        "can": permissions(request.user, board.train.pk),
    }
    return render(request, AGING, context)


AGING_COLUMNS = ["key", "title", "team", "state", "days_in_flow", "days_in_state"]


@require_GET
@login_required
def kanban_aging_csv(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    board = _aging_board(request, slug)
    rows = (
        [item.key, item.title, item.team_name, item.state_label, item.days_in_flow, item.days_in_state]
        for item in board.aging
    )
    return csv_response(download_filename(board.train.slug, "aging", extension="csv"), AGING_COLUMNS, rows)
