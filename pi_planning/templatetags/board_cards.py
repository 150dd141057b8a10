"""The planning board's card, rendered in Python: the board shows hundreds of them (a feature
or story card per placed card), and through the template engine each cost some fifty node
renders, most of the page's time. `{% board_card card kind %}` writes exactly the markup the
`card` partial of pi_planning/board.html wrote, reading the same flags (the context's moves,
saved_card, conflict_card, oob, can_link): the template still decides nothing. The cards and
rows are shared between requests (pi_planning.selectors.board.pi_board_data): what one reader
may do comes from the context, never from them."""

from __future__ import annotations

from functools import lru_cache
from html import escape
from typing import Any

from django import template
from django.conf import settings
from django.template.defaultfilters import floatformat, pluralize
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.formats import localize
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from art.templatetags.railyard import icon

register = template.Library()

_KIND_LETTERS = {"enabler": "E"}
_CHANGE_MARKERS = {"moved": "↔ Moved"}
_OOB = ' hx-swap-oob="outerHTML"'


def esc(value: Any) -> str:
    """django.utils.html.conditional_escape without its lazy-string wrapper (a board escapes
    tens of thousands of values): safe strings as they are, everything else by html.escape, as
    Django's escape() does."""
    if isinstance(value, Promise):
        value = str(value)
    html = getattr(value, "__html__", None)
    return html() if html is not None else escape(str(value))


def _num(value: Any) -> str:
    """An integer as the template engine writes it (no thousands separator on this site)."""
    return str(value)


def _id(value: int | None) -> str:
    """`{{ value|default_if_none:'' }}` of an id (an integer: nothing to escape)."""
    return "" if value is None else str(int(value))


def card_html(
    card: Any,
    kind: str,
    *,
    saved_card: Any = None,
    conflict_card: Any = None,
    oob: Any = False,
    can_link: Any = False,
    moves: Any = None,
) -> SafeString:
    """The card's markup; `moves` (views.board.BoardMoves) says whether this reader may move it."""
    feature = kind == "feature"
    ref = card.ref
    saved = ref == saved_card
    conflict = ref == conflict_card
    late_for = None if feature else card.late_for
    change = card.change
    key = esc(card.key)
    # kind ("feature" or "story"), ref and dom_id ("feature-12", "card-feature-12") and ids are
    # written by this module from integers: nothing to escape in them.
    out = [f'<article class="bcard bcard--{kind}']
    if feature:
        out.append(f" bcard--{esc(card.kind)}")
    if saved:
        out.append(" bcard--saved")
    if conflict:
        out.append(" bcard--conflict")
    if late_for:
        out.append(" bcard--late")
    out.append(
        f'" id="{card.dom_id}" data-card data-kind="{kind}" data-id="{card.pk}" '
        f'data-version="{card.version}" data-team="{_id(card.team_id)}" '
        f'data-iteration="{_id(card.iteration_id)}"'
    )
    if change:
        out.append(f' data-change="{esc(change)}"')
    can_move = moves is not None and moves.card(card, kind)
    if can_move:
        out.append(" data-movable")
    if oob:
        out.append(' hx-swap-oob="outerHTML"')
    out.append('>\n<p class="bcard__meta">')
    if feature and card.kind != "business":
        out.append(
            f'<span class="bcard__kind" title="{esc(card.get_kind_display())}">'
            f"{_KIND_LETTERS.get(card.kind, 'D')}</span>"
        )
    out.append(f'<span class="bcard__key">{key}</span>')
    if feature:
        team = card.team_obj
        out.append(
            f'<span class="bcard__team" title="{esc(team.name) if team else ""}">'
            f"{esc(team.initials) if team else ''}</span>"
        )
    if card.points is not None:
        out.append(f'<span class="bcard__points">{_num(card.points)} pt</span>')
    if feature:
        deps = card.deps
        if deps.count:
            out.append(
                f'<span class="dep-badge dep-badge--{esc(deps.tone)} dep-badge--total" '
                f'title="{esc(deps.summary)}"><span aria-hidden="true">{esc(deps.icon)}</span>'
                f'<span class="dep-badge__count">{_num(deps.count)}'
                f'</span><span class="visually-hidden"> dependenc{pluralize(deps.count, "y,ies")}, worst: '
                f"{esc(deps.label)}</span></span>"
            )
            for tone, badge_icon, count, word in deps.counts:
                out.append(
                    f'<span class="dep-badge dep-badge--{esc(tone)} dep-badge--split" title="{_num(count)} '
                    f'{esc(word.lower())}" aria-hidden="true">{esc(badge_icon)} {_num(count)}'
                    f'<span class="dep-badge__word"> {esc(word)}</span></span>'
                )
        if deps.external:
            out.append(
                f'<span class="ext-marker" title="{_num(deps.external)} external provider'
                f'{pluralize(deps.external)}">⇱ Ext</span>'
            )
    else:
        parent = card.parent
        if parent:
            out.append(
                f'<span class="bcard__parent" title="Feature: {esc(parent.title)}">{esc(parent.key)}</span>'
            )
        if late_for:
            keys = ", ".join(esc(k) for k in late_for)
            out.append(
                '<span class="dep-badge dep-badge--conflict" title="Placed after it is needed: a hidden '
                f'conflict of {keys}"><span aria-hidden="true">✕</span><span> Late for {keys}</span></span>'
            )
    if change:
        marker = _CHANGE_MARKERS.get(change, "+ Added")
        out.append(f'<span class="change-marker change-marker--{esc(change)}">{marker}</span>')
    if saved:
        out.append('<span class="bcard__saved">✓ Saved</span>')
    if conflict:
        out.append('<span class="bcard__saved bcard__saved--conflict">⚠ Changed by someone else</span>')
    if can_move:
        out.append(f'<a class="bcard__menu" href="?move={ref}" data-card-menu aria-label="Move {key}">⋯</a>')
    elif can_link and feature:
        out.append(
            f'<button type="button" class="bcard__pick" data-card-pick aria-label="Pick {key} for a '
            f'dependency">{icon("link")}</button>'
        )
    title = esc(card.title)
    out.append(f'</p>\n<p class="bcard__title" title="{title}">{title}</p>\n</article>')
    return mark_safe("".join(out))  # every value above is escaped


@register.simple_tag(takes_context=True)
def board_card(context: template.Context, card: Any, kind: str) -> SafeString:
    """One card of the board (see card_html), with the flags of the context it renders in."""
    return card_html(card, kind, **_card_flags(context, oob=context.get("oob")))


def _card_flags(context: template.Context, *, oob: Any) -> dict[str, Any]:
    """The flags of the context card_html reads (the saved and the conflicting card, whether a
    feature can be picked for a dependency, what the reader may move), and whether the card
    goes out of band."""
    return {
        "saved_card": context.get("saved_card"),
        "conflict_card": context.get("conflict_card"),
        "oob": oob,
        "can_link": context.get("can_link"),
        "moves": context.get("moves"),
    }


#: (language, thousands grouping): what writing a number depends on, read once per tag call
#: (get_language() goes through a context-local lookup: a board writes hundreds of numbers).
Locale = tuple[str | None, bool]


def _locale() -> Locale:
    return get_language(), settings.USE_THOUSAND_SEPARATOR


def _show(value: Any, locale: Locale) -> str:
    """`{{ value }}`: localized and escaped, as the template engine writes it; an integer (ids,
    counts, days, widths: a board writes hundreds) worked out once per value and language."""
    if type(value) is int:
        return _int_in(value, *locale)
    return esc(localize(value))


@lru_cache(maxsize=4096)
def _int_in(value: int, language: str | None, grouping: bool) -> str:
    return esc(localize(value))


@lru_cache(maxsize=4096)
def _decimal_in(value: Any, language: str | None, grouping: bool) -> str:
    return _show(floatformat(value, "-1"), (language, grouping))


def _decimal(value: Any, locale: Locale) -> str:
    """`{{ value|floatformat:"-1" }}`, worked out once per value and language: a board's
    cells repeat the same few capacities and loads."""
    return _decimal_in(value, *locale)


@register.simple_tag
def board_load(cell: Any, locale: Locale | None = None) -> SafeString:
    """The load line of a board cell (pi_planning/board.html, partial `cell`): its figures,
    status and bar, and a title that spells them out. Written directly for the same reason as
    the cards: a board has a cell per team and iteration."""
    locale = locale or _locale()
    cap = cell.capacity
    team, iteration = cell.team, cell.iteration
    tone, status = esc(cell.tone), esc(cell.status_label)
    points, capacity, pct = _decimal(cap.points, locale), _decimal(cap.capacity, locale), cap.pct_label
    title = [f"{esc(team.name)} · {esc(iteration.name)}: load {points} of capacity {capacity} points"]
    if pct:
        title.append(f" ({esc(pct)})")
    title.append(f": {status}. ")
    if cap.basis == "velocity":
        title.append(f"Capacity from measured velocity (normalized: {_decimal(cap.normalized, locale)}).")
    else:
        title.append(f"{_show(cap.members, locale)} delivering, {_show(iteration.workdays, locale)} workdays")
        if cap.holiday_days:
            title.append(f", {_show(cap.holiday_days, locale)} public holiday{pluralize(cap.holiday_days)}")
        if cap.absence_days:
            title.append(f", {_decimal(cap.absence_days, locale)} days of absence")
        title.append(".")
    return mark_safe(  # every value is escaped
        f'<p class="load load--{tone}" title="{"".join(title)}">\n'
        f'    <span class="load__icon" aria-hidden="true">{esc(cell.status_icon)}</span>\n'
        f'    <span class="load__figures"><strong>{points}</strong>/{capacity}</span>\n'
        f'    <span class="load__word">{f"{esc(pct)} " if pct else ""}{status}</span>\n'
        f'    <span class="load__bar" aria-hidden="true"><span class="load__fill" style="width: '
        f'{_show(cap.bar_pct, locale)}%"></span></span>\n'
        "  </p>"
    )


@register.simple_tag(takes_context=True)
def board_cell(context: template.Context, cell: Any) -> SafeString:
    """One cell of the board (pi_planning/board.html, partial `cell`): its load line, the IP
    refusal when a move was refused there, and its feature and story cards. Written directly
    for the same reason as the cards: a board has a cell per team and iteration."""
    locale = _locale()
    team, iteration = cell.team, cell.iteration
    ip = iteration.is_ip
    team_id, iteration_id = _show(team.pk, locale), _show(iteration.pk, locale)
    where = f"{esc(team.name)}, {esc(iteration.name)}"
    flags = _card_flags(context, oob=False)
    out = [
        f'<div class="bcell bcell--{esc(cell.tone)}{" bcell--ip" if ip else ""}" role="cell" '
        f'id="{esc(cell.dom_id)}" data-team="{team_id}" data-iteration="{iteration_id}"'
        f"{_OOB if context.get('oob') else ''}>\n  \n  ",
        board_load(cell, locale),
        "\n  ",
    ]
    if context.get("refused_iteration") == iteration.pk and ip:
        out.append(
            f'\n  <p class="bcell__refusal" role="alert">{icon("x-circle")}<span>Not placed here: '
            f"{_show(context.get('ip_rule', ''), locale)}</span></p>\n  "
        )
    out.append(
        f'\n  <div class="bcell__cards" data-drop="feature" data-team="{team_id}" '
        f'data-iteration="{iteration_id}"{" data-ip" if ip else ""} aria-label="{where}: features">\n    '
    )
    out.extend(f"\n{card_html(card, 'feature', **flags)}\n" for card in cell.features)
    out.append("\n    ")
    if ip and not cell.features:
        out.append('<p class="bcell__ip-note" aria-hidden="true">No feature load</p>')
    out.append(
        f'\n  </div>\n  <div class="bcell__stories" data-drop="story" data-team="{team_id}" '
        f'data-iteration="{iteration_id}" aria-label="{where}: stories">\n    '
    )
    out.extend(f"\n{card_html(card, 'story', **flags)}\n" for card in cell.stories)
    out.append("\n  </div>\n  \n</div>")
    return mark_safe("".join(out))  # every value is escaped


#: A team id no team has, standing for the team in a URL reversed once (_team_url).
_ANY_TEAM = 987654321


def _team_url(name: str, slug: str, team_id: int) -> str:
    """reverse(name, kwargs={"slug": slug, "team_id": team_id}), the URL reversed once per name,
    train, script prefix and URLconf (a board has a row per team)."""
    pattern = _team_url_pattern(name, slug, get_script_prefix(), get_urlconf())
    return pattern.replace(str(_ANY_TEAM), str(int(team_id)))


@lru_cache(maxsize=256)
def _team_url_pattern(name: str, slug: str, prefix: str, urlconf: str | None) -> str:
    return reverse(name, kwargs={"slug": slug, "team_id": _ANY_TEAM}, urlconf=urlconf)


def _expanded(context: template.Context, row: Any) -> bool:
    """Whether the reader opened the row's stories (the context's expanded_teams)."""
    return row.team.pk in (context.get("expanded_teams") or ())


@register.simple_tag(takes_context=True)
def board_row_head(context: template.Context, row: Any) -> SafeString:
    """The head of a team's row on the board (pi_planning/board.html, partial `team-row`): its
    name, the collapse and stories toggles, the capacity link, the note when nobody delivers,
    and the stories not placed yet. Written directly for the same reason as the cells: a board
    has a row per team. `train` and `pi` come from the context, as in the template."""
    locale = _locale()
    team = row.team
    train, pi = context["train"], context["pi"]
    team_pk, name, pi_pk = _show(team.pk, locale), esc(team.name), _show(pi.pk, locale)
    team_url = esc(_team_url("art:team", train.slug, team.pk))
    capacity_url = esc(_team_url("pi_planning:team_capacity", train.slug, team.pk))
    story_count = row.story_count
    out = [
        f'<div class="brow__head brow__head--{esc(row.worst_tone)}" role="rowheader" id="{esc(row.head_id)}" '
        f'data-team-head="{team_pk}">\n'
        f'    <p class="brow__title"><button type="button" class="brow__collapse" data-collapse="{team_pk}" '
        f'aria-expanded="true" title="Collapse {name} to its load line, or open it">'
        f"{icon('chevron-down', css='brow__collapse-icon')}"
        f'<span class="visually-hidden">Cards of {name}</span>'
        f'</button><a class="brow__name" href="{team_url}" title="{name}">{name}</a> '
        f'<span class="bcard__team" aria-hidden="true">{esc(team.initials)}</span></p>\n'
        '    <div class="brow__tools">\n'
        '      <button type="button" class="brow__toggle" '
        f'aria-expanded="{"true" if _expanded(context, row) else "false"}" '
        f'data-expand="{team_pk}" title="Show or hide {name}\'s stories">\n'
        f"        {icon('chevron-right', css='brow__chevron')}<span>{_show(story_count, locale)} "
        f"stor{pluralize(story_count, 'y,ies')}</span>\n"
        "      </button>\n"
        f'      <a class="brow__capacity" href="{capacity_url}?pi={pi_pk}" title="Capacity of {name}: '
        f'people, FTE, absences">{icon("users")}<span class="visually-hidden">Capacity of {name}</span></a>\n'
        "    </div>\n    ",
    ]
    if row.no_people:
        out.append('<p class="brow__people">No one delivers yet: capacity 0.')
        moves = context.get("moves")
        if moves is not None and moves.row(team.pk):
            out.append(f' <a href="{team_url}">Add people</a>')
        out.append("</p>")
    out.append(
        f'\n    <div class="brow__unplaced" data-drop="story" data-team="{team_pk}" data-iteration="" '
        f'aria-label="{name}: stories not placed yet">\n      '
    )
    if row.unplaced_stories:
        out.append(
            f'<p class="brow__unplaced-title">Not placed ({_show(len(row.unplaced_stories), locale)})</p>'
        )
    out.append("\n      ")
    flags = _card_flags(context, oob=False)  # the row may go out of band, never its cards
    out.extend(f"\n{card_html(card, 'story', **flags)}\n" for card in row.unplaced_stories)
    out.append("\n    </div>\n  </div>")
    return mark_safe("".join(out))  # every value is escaped


@register.simple_tag(takes_context=True)
def board_team_row(context: template.Context, row: Any) -> SafeString:
    """A team's whole row on the board (pi_planning/board.html, partial `team-row`): the row,
    out of band when the context says so, its head and its cells, whose own cards never go out
    of band. Written directly for the same reason as the cells: the template engine's loop and
    `with` over a row per team and a cell per iteration cost more than the cells themselves."""
    team_pk = _show(row.team.pk, _locale())
    out = [
        f'<div class="brow{" is-expanded" if _expanded(context, row) else ""}" role="row" '
        f'id="{esc(row.dom_id)}" '
        f'data-team-row="{team_pk}"{_OOB if context.get("oob") else ""}>\n  \n  ',
    ]
    with context.push(oob=False):
        out += [board_row_head(context, row), "\n  "]
        out.extend(f"\n{board_cell(context, cell)}\n" for cell in row.cells)
    out.append("\n  \n</div>")
    return mark_safe("".join(out))  # every value is escaped
