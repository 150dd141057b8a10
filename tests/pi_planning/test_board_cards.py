"""{% board_card %}, {% board_load %} and {% board_cell %} (pi_planning/templatetags/
board_cards.py) write exactly what the board template's `card` partial, the cell's load line
and the `cell` partial wrote before they moved to Python (kept below as they were), for every
card and cell of a built board, in each state the page renders them: moved or added, saved, in
conflict, movable or only pickable, out of band, refused in the IP iteration."""

import pytest
from django.template import Context, Template

from art.models import Story, Team, TeamMember
from pi_planning.selectors.board import pi_board_data
from pi_planning.templatetags.board_cards import board_cell, board_load, board_row_head, card_html
from pi_planning.views.board import BoardMoves
from tests.pi_planning.helpers import build_board

pytestmark = pytest.mark.django_db

OLD_CARD = Template(
    "{% load railyard %}"
    "<article class=\"bcard bcard--{{ kind }}{% if kind == 'feature' %} bcard--{{ card"
    ".kind }}{% endif %}{% if card.ref == saved_card %} bcard--saved{% endif %}{% if "
    "card.ref == conflict_card %} bcard--conflict{% endif %}{% if card.late_for %} bc"
    'ard--late{% endif %}" id="{{ card.dom_id }}" data-card data-kind="{{ kind }}" da'
    'ta-id="{{ card.pk }}" data-version="{{ card.version }}" data-team="{{ card.team_'
    "id|default_if_none:'' }}\" data-iteration=\"{{ card.iteration_id|default_if_none:'"
    '\' }}"{% if card.change %} data-change="{{ card.change }}"{% endif %}{% if card.c'
    'an_move %} data-movable{% endif %}{% if oob %} hx-swap-oob="outerHTML"{% endif %'
    '}>\n<p class="bcard__meta">{% if kind == "feature" and card.kind != "business" %}'
    '<span class="bcard__kind" title="{{ card.get_kind_display }}">{% if card.kind =='
    ' "enabler" %}E{% else %}D{% endif %}</span>{% endif %}<span class="bcard__key">{'
    '{ card.key }}</span>{% if kind == "feature" %}<span class="bcard__team" title="{'
    '{ card.team_obj.name }}">{{ card.team_obj.initials }}</span>{% endif %}{% if car'
    'd.points is not None %}<span class="bcard__points">{{ card.points }} pt</span>{%'
    ' endif %}{% if kind == "feature" %}{% if card.deps.count %}<span class="dep-badg'
    'e dep-badge--{{ card.deps.tone }} dep-badge--total" title="{{ card.deps.summary '
    '}}"><span aria-hidden="true">{{ card.deps.icon }}</span><span class="dep-badge__'
    'count">{{ card.deps.count }}</span><span class="visually-hidden"> dependenc{{ ca'
    'rd.deps.count|pluralize:"y,ies" }}, worst: {{ card.deps.label }}</span></span>{%'
    ' for tone, icon, count, word in card.deps.counts %}<span class="dep-badge dep-ba'
    'dge--{{ tone }} dep-badge--split" title="{{ count }} {{ word|lower }}" aria-hidd'
    'en="true">{{ icon }} {{ count }}<span class="dep-badge__word"> {{ word }}</span>'
    '</span>{% endfor %}{% endif %}{% if card.deps.external %}<span class="ext-marker'
    '" title="{{ card.deps.external }} external provider{{ card.deps.external|plurali'
    'ze }}">⇱ Ext</span>{% endif %}{% else %}{% if card.parent %}<span class="bcard__'
    'parent" title="Feature: {{ card.parent.title }}">{{ card.parent.key }}</span>{% '
    'endif %}{% if card.late_for %}<span class="dep-badge dep-badge--conflict" title='
    "\"Placed after it is needed: a hidden conflict of {{ card.late_for|join:', ' }}\">"
    '<span aria-hidden="true">✕</span><span> Late for {{ card.late_for|join:", " }}</'
    'span></span>{% endif %}{% endif %}{% if card.change %}<span class="change-marker'
    ' change-marker--{{ card.change }}">{% if card.change == "moved" %}↔ Moved{% else'
    " %}+ Added{% endif %}</span>{% endif %}{% if card.ref == saved_card %}<span clas"
    's="bcard__saved">✓ Saved</span>{% endif %}{% if card.ref == conflict_card %}<spa'
    'n class="bcard__saved bcard__saved--conflict">⚠ Changed by someone else</span>{%'
    ' endif %}{% if card.can_move %}<a class="bcard__menu" href="?move={{ card.ref }}'
    '" data-card-menu aria-label="Move {{ card.key }}">⋯</a>{% elif can_link and kind'
    ' == "feature" %}<button type="button" class="bcard__pick" data-card-pick aria-la'
    'bel="Pick {{ card.key }} for a dependency">{% icon "link" %}</button>{% endif %}'
    '</p>\n<p class="bcard__title" title="{{ card.title }}">{{ card.title }}</p>\n</art'
    "icle>"
)
OLD_LOAD = Template(
    "{% load railyard %}{% with cap=cell.capacity %}"
    '<p class="load load--{{ cell.tone }}" title="{{ cell.team.name }} · {{ cell.iter'
    "ation.name }}: load {{ cap.points|floatformat:'-1' }} of capacity {{ cap.capacit"
    "y|floatformat:'-1' }} points{% if cap.pct_label %} ({{ cap.pct_label }}){% endif"
    " %}: {{ cell.status_label }}. {% if cap.basis == 'velocity' %}Capacity from meas"
    "ured velocity (normalized: {{ cap.normalized|floatformat:'-1' }}).{% else %}{{ c"
    "ap.members }} delivering, {{ cell.iteration.workdays }} workdays{% if cap.holida"
    "y_days %}, {{ cap.holiday_days }} public holiday{{ cap.holiday_days|pluralize }}"
    "{% endif %}{% if cap.absence_days %}, {{ cap.absence_days|floatformat:'-1' }} da"
    'ys of absence{% endif %}.{% endif %}">\n    <span class="load__icon" aria-hidden='
    '"true">{{ cell.status_icon }}</span>\n    <span class="load__figures"><strong>{{ '
    'cap.points|floatformat:"-1" }}</strong>/{{ cap.capacity|floatformat:"-1" }}</spa'
    'n>\n    <span class="load__word">{% if cap.pct_label %}{{ cap.pct_label }} {% end'
    'if %}{{ cell.status_label }}</span>\n    <span class="load__bar" aria-hidden="tru'
    'e"><span class="load__fill" style="width: {{ cap.bar_pct }}%"></span></span>\n  <'
    "/p>"
    "{% endwith %}"
)


#: The cell partial with its load line and cards already moved to their tags (checked above).
OLD_CELL = Template(
    "{% load railyard board_cards %}"
    '<div class="bcell bcell--{{ cell.tone }}{% if cell.iteration.is_ip %} bcell--ip{'
    '% endif %}" role="cell" id="{{ cell.dom_id }}" data-team="{{ cell.team.pk }}" da'
    'ta-iteration="{{ cell.iteration.pk }}"{% if oob %} hx-swap-oob="outerHTML"{% end'
    "if %}>\n  {% with oob=False cap=cell.capacity %}\n  {% board_load cell %}\n  {% if "
    'refused_iteration == cell.iteration.pk and cell.iteration.is_ip %}\n  <p class="b'
    'cell__refusal" role="alert">{% icon "x-circle" %}<span>Not placed here: {{ ip_ru'
    'le }}</span></p>\n  {% endif %}\n  <div class="bcell__cards" data-drop="feature" d'
    'ata-team="{{ cell.team.pk }}" data-iteration="{{ cell.iteration.pk }}"{% if cell'
    '.iteration.is_ip %} data-ip{% endif %} aria-label="{{ cell.team.name }}, {{ cell'
    '.iteration.name }}: features">\n    {% for card in cell.features %}\n{% board_card'
    ' card "feature" %}\n{% endfor %}\n    {% if cell.iteration.is_ip and not cell.feat'
    'ures %}<p class="bcell__ip-note" aria-hidden="true">No feature load</p>{% endif '
    '%}\n  </div>\n  <div class="bcell__stories" data-drop="story" data-team="{{ cell.t'
    'eam.pk }}" data-iteration="{{ cell.iteration.pk }}" aria-label="{{ cell.team.nam'
    'e }}, {{ cell.iteration.name }}: stories">\n    {% for card in cell.stories %}\n{%'
    ' board_card card "story" %}\n{% endfor %}\n  </div>\n  {% endwith %}\n</div>'
)

#: The head of the team-row partial before it moved to {% board_row_head %}.
OLD_ROW_HEAD = Template(
    "{% load railyard board_cards %}"
    '<div class="brow__head brow__head--{{ row.worst_tone }}" role="rowhead'
    'er" id="{{ row.head_id }}" data-team-head="{{ row.team.pk }}">\n    <p '
    'class="brow__title"><button type="button" class="brow__collapse" data-'
    'collapse="{{ row.team.pk }}" aria-expanded="true" title="Collapse {{ r'
    'ow.team.name }} to its load line, or open it">{% icon "chevron-down" c'
    'ss="brow__collapse-icon" %}<span class="visually-hidden">Cards of {{ r'
    'ow.team.name }}</span></button><a class="brow__name" href="{% url \'art'
    ':team\' slug=train.slug team_id=row.team.pk %}" title="{{ row.team.name'
    ' }}">{{ row.team.name }}</a> <span class="bcard__team" aria-hidden="tr'
    'ue">{{ row.team.initials }}</span></p>\n    <div class="brow__tools">\n '
    '     <button type="button" class="brow__toggle" aria-expanded="{% if r'
    'ow.expanded %}true{% else %}false{% endif %}" data-expand="{{ row.team'
    '.pk }}" title="Show or hide {{ row.team.name }}\'s stories">\n        {%'
    ' icon "chevron-right" css="brow__chevron" %}<span>{{ row.story_count }'
    '} stor{{ row.story_count|pluralize:"y,ies" }}</span>\n      </button>\n '
    '     <a class="brow__capacity" href="{% url \'pi_planning:team_capacity'
    '\' slug=train.slug team_id=row.team.pk %}?pi={{ pi.pk }}" title="Capaci'
    'ty of {{ row.team.name }}: people, FTE, absences">{% icon "users" %}<s'
    'pan class="visually-hidden">Capacity of {{ row.team.name }}</span></a>'
    '\n    </div>\n    {% if row.no_people %}<p class="brow__people">No one d'
    "elivers yet: capacity 0.{% if row.can_edit %} <a href=\"{% url 'art:tea"
    "m' slug=train.slug team_id=row.team.pk %}\">Add people</a>{% endif %}</"
    'p>{% endif %}\n    <div class="brow__unplaced" data-drop="story" data-t'
    'eam="{{ row.team.pk }}" data-iteration="" aria-label="{{ row.team.name'
    ' }}: stories not placed yet">\n      {% if row.unplaced_stories %}<p cl'
    'ass="brow__unplaced-title">Not placed ({{ row.unplaced_stories|length '
    "}})</p>{% endif %}\n      {% for card in row.unplaced_stories %}\n{% boa"
    'rd_card card "story" %}\n{% endfor %}\n    </div>\n  </div>'
)


@pytest.mark.parametrize("basis", ["normalized", "velocity"])
def test_cards_cells_and_load_lines_are_written_as_the_template_wrote_them(world, plan, basis):
    build_board(world, plan, teams=3, cards=80)
    board = pi_board_data(pi=world.pi, basis=basis)
    cards = [("feature", f) for f in board.backlog] + [("story", s) for s in board.stories]
    assert any(f.deps.count for f in board.backlog)
    for n, (kind, card) in enumerate(cards):  # the states a board shows now and then
        card.change = (None, "moved", "added")[n % 3]
        if kind == "story" and n % 2:
            card.late_for = ["D-1", 'D-<2> & "3"']
        if n % 6 == 0:
            card.title = 'Quotes "and" <tags> & ampersands'
    for n, (kind, card) in enumerate(cards):
        movable = n % 3 == 0
        moves = BoardMoves(backlog=movable, teams=frozenset([card.team_id] if movable else []))
        card.can_move = movable  # what the old partial read
        flags = {
            "saved_card": card.ref if n % 5 == 0 else "",
            "conflict_card": card.ref if n % 7 == 0 else "",
            "oob": n % 2 == 0,
            "can_link": n % 4 < 2,
        }
        old = OLD_CARD.render(Context({"card": card, "kind": kind, **flags}))
        assert card_html(card, kind, moves=moves, **flags) == old, (kind, card.pk)
    for row in board.rows:
        for cell in row.cells:
            assert board_load(cell) == OLD_LOAD.render(Context({"cell": cell})), cell.dom_id
    ip = next(c for row in board.rows for c in row.cells if c.iteration.is_ip)
    for n, cell in enumerate([ip] + [c for row in board.rows for c in row.cells]):
        context = {
            "cell": cell,
            "oob": n % 2 == 0,
            "saved_card": next(iter(c.ref for c in cell.features + cell.stories), ""),
            "can_link": n % 3 == 0,
            "refused_iteration": cell.iteration.pk if n % 4 < 2 else None,
            "ip_rule": "The IP iteration <carries> no feature load.",
        }
        old = OLD_CELL.render(Context(context))
        assert board_cell(Context(context), cell) == old, cell.dom_id


def test_row_heads_are_written_as_the_template_wrote_them(world, plan):
    build_board(world, plan, teams=3, cards=60)
    # a team nobody delivers in, with a name to escape, and stories not placed yet
    quiet = Team.objects.create(train=world.train, name='Quiet "Q" & <Co>\'s', abbreviation="Q&")
    TeamMember.objects.filter(team=world.other_team).update(delivering=False)
    for n in range(3):
        Story.objects.create(train=world.train, team=world.team, title=f"Waiting <{n}>", points=n or None)
    Story.objects.create(train=world.train, team=quiet, title="Alone")
    board = pi_board_data(pi=world.pi)
    rows = board.rows
    assert any(r.no_people for r in rows) and any(r.unplaced_stories for r in rows)
    assert any(r.team.pk == quiet.pk for r in rows)
    for n, row in enumerate(rows * 2):
        # what the old partial read from the row and its cards, the new one from the context
        row.expanded = n % 2 == 0
        row.can_edit = n % 3 != 0
        closed = n % 4 == 1
        for story in row.unplaced_stories:
            story.can_move = row.can_edit and not closed
        context = {
            "moves": BoardMoves(teams=frozenset([row.team.pk] if row.can_edit else []), closed=closed),
            "expanded_teams": {row.team.pk} if row.expanded else set(),
            "row": row,
            "train": world.train,
            "pi": world.pi,
            "oob": False,
            "saved_card": next(iter(s.ref for s in row.unplaced_stories), "") if n % 4 < 2 else "",
            "conflict_card": "",
            "can_link": n % 3 == 0,
        }
        old = OLD_ROW_HEAD.render(Context(context))
        assert board_row_head(Context(context), row) == old, row.dom_id


#: The team-row partial before it moved to {% board_team_row %}.
OLD_TEAM_ROW = Template(
    "{% load board_cards %}"
    '<div class="brow{% if row.expanded %} is-expanded{% endif %}" role="row" id="{{ row.dom_id }}" '
    'data-team-row="{{ row.team.pk }}"{% if oob %} hx-swap-oob="outerHTML"{% endif %}>\n'
    "  {% with oob=False %}\n"
    "  {% board_row_head row %}\n"
    "  {% for cell in row.cells %}\n"
    "{% board_cell cell %}\n"
    "{% endfor %}\n"
    "  {% endwith %}\n"
    "</div>"
)


def test_team_rows_are_written_as_the_template_wrote_them(world, plan):
    build_board(world, plan, teams=3, cards=60)
    board = pi_board_data(pi=world.pi)
    for n, row in enumerate(board.rows * 2):
        row.expanded = n % 2 == 0  # what the old partial read
        context = {
            "expanded_teams": {row.team.pk} if row.expanded else set(),
            "row": row,
            "train": world.train,
            "pi": world.pi,
            "oob": n % 2 == 1,
            "saved_card": next(iter(c.ref for cell in row.cells for c in cell.features), ""),
            "conflict_card": "",
            "can_link": n % 3 == 0,
        }
        old = OLD_TEAM_ROW.render(Context(context))
        new = Template("{% load board_cards %}{% board_team_row row %}").render(Context(context))
        assert new == old, row.dom_id
        assert ('hx-swap-oob="outerHTML"' in new.split("\n", 1)[0]) is (n % 2 == 1)
        assert new.count("hx-swap-oob") == (n % 2 == 1)  # never its cells or cards
