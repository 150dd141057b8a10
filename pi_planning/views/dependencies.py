"""The dependency board: by providing team, by requesting team or aging first, with filters;
each card's lifecycle, edits, comments and history."""

from __future__ import annotations

import typing
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget

from art import rules
from art.access import (
    Action,
    can,
    check,
    dependency_refusal,
    my_team_id,
    object_for_user,
)
from art.errors import ConflictError
from art.forms import apply_service_errors
from art.http import HtmxHttpRequest, toast
from art.models import Iteration, ProgramIncrement, ReleaseTrain, Team
from pi_planning import services
from pi_planning.forms.common import iteration_choices
from pi_planning.forms.dependencies import (
    CommentForm,
    DependencyCreateForm,
    DependencyEditForm,
    DependencyStateForm,
)
from pi_planning.models import Dependency
from pi_planning.selectors.dependencies import (
    BOARD_PAGE_SIZE,
    DEPENDENCY_VIEWS,
    DependencyFilters,
    dependency_board,
    dependency_card,
)
from pi_planning.selectors.dependency_forms import dependency_form_choices
from pi_planning.views.common import base_context, conflict_context, done, first_error, train_and_pi

if TYPE_CHECKING:
    from pi_planning.selectors.dependencies import DependencyCard

DEPENDENCIES = "pi_planning/dependencies.html"


def _dependency_filters(request: HtmxHttpRequest) -> DependencyFilters:
    get = request.GET
    team = get.get("team", "")
    state = get.get("state", "")
    health = get.get("health", "")
    return DependencyFilters(
        team=int(team) if team.isdigit() else None,
        state=state if state in rules.dependencies.DEPENDENCY_STATE_LABELS else None,
        health=health if health in rules.dependencies.HEALTH_LABELS else None,
        aging=get.get("aging") in ("1", "on", "true"),
        show_done=get.get("done") in ("1", "on", "true"),
    )


def _dependency_choices(pi: ProgramIncrement) -> dict[str, Any]:
    choices = dependency_form_choices(pi=pi)
    choices["iteration_options"] = iteration_choices(choices["iterations"], pi.pk)
    choices["pi_iteration_options"] = [(str(i.pk), i.name) for i in choices["pi_iterations"]]
    return choices


def _refusal(request: HtmxHttpRequest, train: ReleaseTrain, dep: Dependency, **what: Any) -> str:
    return dependency_refusal(request.user, train.pk, dep.requester_team_id, dep.provider_team_id, **what)


def _editable(request: HtmxHttpRequest, train: ReleaseTrain, dep: Dependency) -> set[str]:
    """The card's fields this person's side edits (the others show, disabled)."""
    return {
        name for name in DependencyEditForm.card_fields if not _refusal(request, train, dep, fields=[name])
    }


def _decorate_dependency(
    request: HtmxHttpRequest, train: ReleaseTrain, dep: DependencyCard, choices: dict[str, Any]
) -> None:
    dep.can_edit = can(
        request.user, Action.EDIT_DEPENDENCY, train.pk, [dep.requester_team_id, dep.provider_team_id]
    )
    # Only the moves this person's side may make (the provider commits, starts, delivers and
    # blocks; the requester cancels): the service refuses the others in the same words.
    dep.next_states = [
        (s, rules.dependencies.DEPENDENCY_STATE_LABELS[s])
        for s in rules.dependencies.dependency_next_states(dep.state)
        if dep.can_edit and not _refusal(request, train, dep, state=s)
    ]
    # Committing (or counter-proposing) an iteration is the providing team's.
    dep.can_commit = dep.can_edit and not _refusal(request, train, dep, state="committed")
    dep.state_label = rules.dependencies.DEPENDENCY_STATE_LABELS[dep.state]
    dep.counter_proposed = bool(dep.committed_iteration_id and dep.committed_iteration_id != dep.needed_by_id)
    for name in ("form", "conflict", "refusal", "comment_form", "editing", "lazy"):
        if not hasattr(dep, name):
            setattr(dep, name, None)


def _board_query(view: str, filters: DependencyFilters, **extra: int) -> str:
    """The board's query string for this view and these filters (what its parameters say in
    _dependency_filters), with `extra` (page, first, pages) after them."""
    params: dict[str, Any] = {"view": view}
    if filters.team:
        params["team"] = filters.team
    if filters.state:
        params["state"] = filters.state
    if filters.health:
        params["health"] = filters.health
    if filters.aging:
        params["aging"] = 1
    if filters.show_done:
        params["done"] = 1
    params.update(extra)
    return urlencode(params)


def _whole_number(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 9 else None


def _dependencies_context(
    request: HtmxHttpRequest,
    train: ReleaseTrain,
    pi: ProgramIncrement,
    *,
    overrides: dict[int, dict[str, Any]] | None = None,
    create_form: DependencyCreateForm | None = None,
    opened: Dependency | None = None,
    focus: int | None = None,
) -> dict[str, Any]:
    """The page's context: one page of cards (`?page=`, from `?first=` for what a "Load more"
    answers, `?pages=` of them for a live refresh), the counts of the whole board. `opened` (a
    card's own link, opened without htmx) is shown whatever the filters, on its page, whole
    (comments and history loaded) and focused; `focus` (`?card=`, the card a write without
    JavaScript comes back to) picks the page that shows it."""
    context = base_context(request, train, pi)
    filters = _dependency_filters(request)
    if opened is not None:
        filters = DependencyFilters(show_done=filters.show_done or opened.is_resolved)
        focus = opened.pk
    get = request.GET
    asked = get.get("page")
    page = _whole_number(asked)
    if focus is None:
        focus = _whole_number(get.get("card"))
    board = dependency_board(
        pi=pi,
        view=get.get("view", "provider"),
        filters=filters,
        lazy=True,
        page=page or 1,
        pages=_whole_number(get.get("pages")) or 1,
        page_size=BOARD_PAGE_SIZE,
        focus=focus,
    )
    if asked is not None and not page:
        context["page_note"] = f"There is no page “{asked[:20]}”: this is the first page."
    elif board["page_past_end"]:
        context["page_note"] = (
            f"There is no page {page}: the board has {board['page_count']} "
            f"page{'s' if board['page_count'] != 1 else ''}; this is the last one."
        )
    choices = _dependency_choices(pi)
    overrides = overrides or {}
    for group in board["groups"]:
        for index, dep in enumerate(group.cards):
            if opened is not None and dep.pk == opened.pk:
                dep = group.cards[index] = dependency_card(pk=dep.pk)
                dep.opened = True
            else:
                dep.lazy = True  # comments and history load when opened
            for name, value in overrides.get(dep.pk, {}).items():
                setattr(dep, name, value)
            _decorate_dependency(request, train, dep, choices)
    context.update(board)
    context.update(choices)
    # Pages: where "Load more" and "Previous cards" go, and what a live refresh asks for (the
    # pages on screen, from the first one shown).
    view, size = board["view"], board["page_size"]
    first = min(_whole_number(get.get("first")) or board["page"], board["page"])
    board_url = reverse("pi_planning:dependencies", kwargs={"slug": train.slug, "pi_id": pi.pk})
    context["board_url"] = board_url
    if board["next_page"]:
        context["next_url"] = f"{board_url}?{_board_query(view, filters, page=board['next_page'])}"
        context["more_url"] = (
            f"{board_url}?{_board_query(view, filters, page=board['next_page'], first=first)}"
        )
    if board["previous_page"]:
        context["previous_url"] = f"{board_url}?{_board_query(view, filters, page=board['previous_page'])}"
    context["live_src"] = (
        f"{board_url}?{_board_query(view, filters, page=first, pages=board['last_page'] - first + 1)}"
    )
    context["loaded_from"] = (first - 1) * size + 1 if board["first_index"] else 0
    context["views"] = DEPENDENCY_VIEWS
    context["states"] = rules.dependencies.DEPENDENCY_STATE_LABELS
    context["healths"] = [
        (code, rules.dependencies.HEALTH_LABELS[code], rules.dependencies.HEALTH_ICONS[code])
        for code in rules.dependencies.HEALTH_LABELS
    ]
    context["health_rule"] = rules.dependencies.HEALTH_RULE
    context["lifecycle_rule"] = rules.dependencies.DEPENDENCY_RULE
    context["aging_after"] = rules.dependencies.AGING_AFTER_DAYS
    context["may_create"] = can(
        request.user, Action.EDIT_DEPENDENCY, train.pk, [t.pk for t in choices["teams"]]
    )
    if context["may_create"]:
        my_team = my_team_id(request.user, train.pk)
        context["create_form"] = create_form or DependencyCreateForm(
            initial={"requester_team": my_team} if my_team else None,
            teams=choices["teams"],
            iterations=choices["pi_iterations"],
            features=choices["features"],
        )
    return context


def _dependencies_url(train: ReleaseTrain, pi: ProgramIncrement, dep: Dependency | None = None) -> str:
    """The board; with `dep`, on the page that shows that card, scrolled to it."""
    url = reverse("pi_planning:dependencies", kwargs={"slug": train.slug, "pi_id": pi.pk})
    return url + (f"?card={dep.pk}#dep-{dep.pk}" if dep is not None else "")


def _dependency_of(
    request: HtmxHttpRequest, pi: ProgramIncrement, dep_id: int, action: Action = Action.VIEW
) -> Dependency:
    return object_for_user(
        request.user,
        Dependency.objects.filter(pi=pi),
        dep_id,
        action,
        teams=lambda d: [d.requester_team_id, d.provider_team_id],
    )


def _dependency_card(
    request: HtmxHttpRequest,
    train: ReleaseTrain,
    pi: ProgramIncrement,
    dep_id: int,
    status: int = 200,
    **state: Any,
) -> HttpResponse:
    context = base_context(request, train, pi)
    dep = dependency_card(pk=dep_id)
    for name, value in state.items():
        setattr(dep, name, value)
    choices = _dependency_choices(pi)
    _decorate_dependency(request, train, dep, choices)
    context.update(choices)
    context["dep"] = dep
    return render(request, f"{DEPENDENCIES}#dependency", context, status=status)


def _dependency_refused(
    request: HtmxHttpRequest,
    train: ReleaseTrain,
    pi: ProgramIncrement,
    dep_id: int,
    status: int,
    **state: Any,
) -> HttpResponse:
    if request.htmx:
        return _dependency_card(request, train, pi, dep_id, status=status, **state)
    context = _dependencies_context(request, train, pi, overrides={dep_id: state}, focus=dep_id)
    return render(request, DEPENDENCIES, context, status=status)


@require_GET
@login_required
def dependencies(request: HtmxHttpRequest, slug: str, pi_id: int) -> HttpResponse:
    train, pi = train_and_pi(request, slug, pi_id)
    context = _dependencies_context(request, train, pi)
    if request.htmx and request.htmx.target == "dependency-more":
        # "Load more": the next page's cards, those of groups already on screen added to them
        # out of band; nothing past the last page.
        if context["page_past_end"]:
            context["groups"] = []
        elif context["groups"]:
            context["first_card"] = context["groups"][0].cards[0].pk  # focused once added
        return render(request, f"{DEPENDENCIES}#more-cards", context)
    if request.htmx and request.htmx.target == "dependency-board":
        return render(request, f"{DEPENDENCIES}#board", context)
    return render(request, DEPENDENCIES, context)


@require_GET
@login_required
def dependency(request: HtmxHttpRequest, slug: str, pi_id: int, dep_id: int) -> HttpResponse:
    """One card; `?edit=1` opens its edit form (team members involved and the RTE);
    `?part=history` or `?part=comments` is what the board's card loads when it opens them.
    Without htmx (a link opened in a new tab, or shared) it is the dependencies page with this
    card open: edit form, comments or history as asked."""
    train, pi = train_and_pi(request, slug, pi_id)
    dep = _dependency_of(request, pi, dep_id)
    part = request.GET.get("part")
    state: dict[str, Any] = {}
    if not request.htmx:  # a link opened on its own: the page, with this card open
        state = {"comments_open": part == "comments", "history_open": part == "history"}
    elif part in ("history", "comments"):
        card = dependency_card(pk=dep.pk)
        _decorate_dependency(request, train, card, {})
        if part == "history":
            return render(request, "pi_planning/components.html#history-list", {"entries": card.history})
        return render(
            request, f"{DEPENDENCIES}#comments-body", {**base_context(request, train, pi), "dep": card}
        )
    if request.GET.get("edit") and can(
        request.user, Action.EDIT_DEPENDENCY, train.pk, [dep.requester_team_id, dep.provider_team_id]
    ):
        choices = _dependency_choices(pi)
        state["editing"] = True
        state["form"] = DependencyEditForm(
            initial=DependencyEditForm.values_of(dep),
            editable=_editable(request, train, dep),
            iterations=choices["iteration_options"],
            pi_iterations=choices["pi_iteration_options"],
            auto_id=f"id_dep-{dep.pk}-%s",
        )
    if not request.htmx:
        context = _dependencies_context(request, train, pi, overrides={dep.pk: state}, opened=dep)
        return render(request, DEPENDENCIES, context)
    return _dependency_card(request, train, pi, dep.pk, **state)


@require_POST
@login_required
def dependency_create(request: HtmxHttpRequest, slug: str, pi_id: int) -> HttpResponse:
    train, pi = train_and_pi(request, slug, pi_id)
    choices = _dependency_choices(pi)
    form = DependencyCreateForm(
        request.POST,
        teams=choices["teams"],
        iterations=choices["pi_iterations"],
        features=choices["features"],
    )
    if form.is_valid():
        data = form.cleaned_data
        teams = {t.pk: t for t in choices["teams"]}
        iterations = {i.pk: i for i in choices["pi_iterations"]}
        features = {f.pk: f for f in choices["features"]}
        requester = teams.get(data["requester_team"])  # the form's choices are these teams
        provider = teams.get(data["provider_team"]) if data["provider_team"] else None
        check(
            request.user,
            Action.EDIT_DEPENDENCY,
            train.pk,
            [requester.pk if requester else None, provider.pk if provider else None],
        )
        try:
            dep = services.dependency_create(
                actor=request.user,
                pi=pi,
                requester_team=typing.cast(Team, requester),
                provider_team=provider,
                external_provider=data["external_provider"],
                needed_by=typing.cast(Iteration, iterations.get(data["needed_by"])),  # one of the choices
                feature=features.get(data["feature"]) if data["feature"] else None,
                provider_feature=features.get(data["provider_feature"]) if data["provider_feature"] else None,
                title=data["title"],
                description=data["description"],
                owner=data["owner"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            if not request.htmx:
                messages.success(request, f"Dependency {dep.key} added.")
                return redirect(_dependencies_url(train, pi, dep))
            context = _dependencies_context(request, train, pi, focus=dep.pk)
            board = render_to_string(f"{DEPENDENCIES}#board", context, request=request)
            fresh = render_to_string(f"{DEPENDENCIES}#create", {**context, "oob": True}, request=request)
            return toast(HttpResponse(board + fresh), f"Dependency {dep.key} added: {dep}.")
    else:
        if not can(request.user, Action.EDIT_DEPENDENCY, train.pk, [t.pk for t in choices["teams"]]):
            check(request.user, Action.EDIT_DEPENDENCY, train.pk, [])
    context = _dependencies_context(request, train, pi, create_form=form)
    context["open_create"] = True
    if request.htmx:
        response = render(request, f"{DEPENDENCIES}#create", context, status=422)
        return reswap(retarget(response, "#dependency-create-details"), "outerHTML")
    return render(request, DEPENDENCIES, context, status=422)


@require_POST
@login_required
def dependency_state(request: HtmxHttpRequest, slug: str, pi_id: int, dep_id: int) -> HttpResponse:
    """Move a card along its lifecycle (commit with an iteration, counter-propose, start,
    deliver, block, cancel, reopen)."""
    train, pi = train_and_pi(request, slug, pi_id)
    dep = _dependency_of(request, pi, dep_id, Action.EDIT_DEPENDENCY)
    choices = _dependency_choices(pi)
    form = DependencyStateForm(
        request.POST, iterations=choices["iteration_options"], auto_id=f"id_dep-{dep.pk}-st-%s"
    )
    if not form.is_valid():
        name, errors = next(iter(form.errors.items()))
        return _dependency_refused(
            request, train, pi, dep.pk, 422, refusal={"field": name, "message": errors[0]}
        )
    data = form.cleaned_data
    iterations = {i.pk: i for i in choices["iterations"]}
    iteration = iterations.get(data["committed_iteration"]) if data["committed_iteration"] else None
    try:
        dep = services.dependency_set_state(
            actor=request.user,
            dependency=dep,
            state=data["state"],
            committed_iteration=iteration,
            version=data["version"],
        )
    except ConflictError as exc:
        conflict = conflict_context(
            form, DependencyStateForm.values_of(typing.cast(Dependency, exc.current)), exc
        )
        return _dependency_refused(request, train, pi, dep.pk, 409, conflict=conflict)
    except ValidationError as exc:
        name, message = first_error(exc)
        return _dependency_refused(
            request, train, pi, dep.pk, 422, refusal={"field": name, "message": message}
        )
    label = rules.dependencies.DEPENDENCY_STATE_LABELS[dep.state].lower()
    extra = ""
    if dep.state == Dependency.State.COMMITTED and dep.committed_iteration_id and dep.committed_iteration:
        extra = f" for {dep.committed_iteration.name}"
    return done(
        request,
        lambda: _dependency_card(request, train, pi, dep.pk),
        _dependencies_url(train, pi, dep),
        f"{dep.key} is now {label}{extra}.",
    )


@require_POST
@login_required
def dependency_update(request: HtmxHttpRequest, slug: str, pi_id: int, dep_id: int) -> HttpResponse:
    train, pi = train_and_pi(request, slug, pi_id)
    dep = _dependency_of(request, pi, dep_id, Action.EDIT_DEPENDENCY)
    choices = _dependency_choices(pi)
    form = DependencyEditForm(
        request.POST,
        editable=_editable(request, train, dep),
        iterations=choices["iteration_options"],
        pi_iterations=choices["pi_iteration_options"],
        auto_id=f"id_dep-{dep.pk}-%s",
    )
    if form.is_valid():
        changes = form.changes()
        iterations = {i.pk: i for i in choices["iterations"]}
        for name in ("needed_by", "committed_iteration"):
            if name in changes:
                changes[name] = iterations.get(changes[name]) if changes[name] else None
        try:
            dep = services.dependency_update(
                actor=request.user, dependency=dep, version=form.cleaned_data["version"], **changes
            )
        except ConflictError as exc:
            conflict = conflict_context(
                form, DependencyEditForm.values_of(typing.cast(Dependency, exc.current)), exc
            )
            return _dependency_refused(request, train, pi, dep.pk, 409, conflict=conflict, editing=True)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return done(
                request,
                lambda: _dependency_card(request, train, pi, dep.pk),
                _dependencies_url(train, pi, dep),
                f"{dep.key} saved." if changes else "Nothing to save: no field changed.",
            )
    return _dependency_refused(request, train, pi, dep.pk, 422, form=form, editing=True)


@require_POST
@login_required
def dependency_comment(request: HtmxHttpRequest, slug: str, pi_id: int, dep_id: int) -> HttpResponse:
    train, pi = train_and_pi(request, slug, pi_id)
    dep = _dependency_of(request, pi, dep_id, Action.EDIT_DEPENDENCY)
    form = CommentForm(request.POST, auto_id=f"id_dep-{dep.pk}-comment-%s")
    if form.is_valid():
        try:
            services.dependency_comment_add(
                actor=request.user, dependency=dep, body=form.cleaned_data["body"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return done(
                request,
                lambda: _dependency_card(request, train, pi, dep.pk, comments_open=True),
                _dependencies_url(train, pi, dep),
                f"Comment added to {dep.key}.",
            )
    return _dependency_refused(request, train, pi, dep.pk, 422, comment_form=form, comments_open=True)
