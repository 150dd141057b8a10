"""The board's projector view in Chromium (issue 12): an 8-team train fits one 1920×1080 screen,
dependency strings keep off the load figures, focusing on a team leaves its partners only, rows
collapse to their load line, and the zoom is remembered by the browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from art.models import Feature, Story
from pi_planning.models import Dependency
from tests.art.factories import TeamFactory, TeamMemberFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAMES = ["Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Hotel"]


@pytest.fixture
def train_of_eight(world):
    """8 teams (Alpha, Bravo and six more), each with two or three features over the four working
    iterations and a story, and strings that cross rows and columns both ways: Alpha needs from
    Hotel (7 rows down, 2 columns right), Delta from Alpha (same column), Echo from Bravo (leftwards),
    Golf from Charlie."""
    teams = [world.team, world.other_team] + [TeamFactory(train=world.train, name=n) for n in NAMES]
    its = list(world.pi.iterations.order_by("number"))
    features: dict[tuple[int, int], Feature] = {}
    for t, team in enumerate(teams):
        TeamMemberFactory(team=team, name=f"{team.name} dev")
        for n in range(2 + t % 2):
            it = its[(t + n) % 4]
            features[(t, n)] = Feature.objects.create(
                train=world.train,
                pi=world.pi,
                team=team,
                iteration=it,
                iteration_is_explicit=True,
                title=f"{team.name} {n + 1}: a title long enough to be shortened on the projector",
                points=5 + n,
                state="ready",
            )
        first = features[(t, 0)]
        Story.objects.create(train=world.train, team=team, feature=first, iteration=its[t % 4], title="Story")
    for requester, provider in [((0, 0), (7, 1)), ((3, 0), (0, 0)), ((4, 1), (1, 1)), ((6, 0), (2, 0))]:
        Dependency.objects.create(
            pi=world.pi,
            requester_team=teams[requester[0]],
            provider_team=teams[provider[0]],
            feature=features[requester],
            provider_feature=features[provider],
            needed_by=its[3],
            title=f"{teams[requester[0]].name} needs {teams[provider[0]].name}",
        )
    return {"teams": teams, "url": f"/trains/{world.train.slug}/pis/{world.pi.pk}/board/"}


def open_projector(page: Page, live_server, url: str, query: str = "?view=projector") -> None:
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(live_server.url + url + query)
    expect(page.locator("#board-grid")).to_be_visible()
    page.wait_for_function("() => window.railyardBoard !== undefined")
    page.wait_for_timeout(300)  # the fit and the strings run on the next animation frames


def test_projector_fits_eight_teams_and_five_iterations_on_one_screen(signed_in, live_server, train_of_eight):
    page = signed_in()
    open_projector(page, live_server, train_of_eight["url"])
    assert page.locator(".board-page.is-projector").count() == 1
    boxes = page.evaluate(
        """() => [...document.querySelectorAll('[data-team-head], .bcol, .bcell')].map(el => {
             const r = el.getBoundingClientRect();
             return [el.className + ' #' + el.id, r.left, r.top, r.right, r.bottom];
           })"""
    )
    assert len([b for b in boxes if "bcol" in b[0]]) == 5
    assert len([b for b in boxes if "brow__head" in b[0]]) == 8
    outside = [b for b in boxes if b[1] < -0.5 or b[2] < -0.5 or b[3] > 1920.5 or b[4] > 1080.5]
    assert outside == []
    # one screen: neither the page nor the board scrolls
    scroll = page.evaluate(
        """() => { const s = document.getElementById('board-scroll');
             return [document.documentElement.scrollHeight, document.documentElement.scrollWidth,
                     s.scrollHeight - s.clientHeight, s.scrollWidth - s.clientWidth]; }"""
    )
    assert scroll[0] <= 1080 and scroll[1] <= 1920 and scroll[2] <= 1 and scroll[3] <= 1
    # readable from the back of the room: card titles at least 14 px as shown, on one line, in full on hover
    title = page.locator(".bcard--feature .bcard__title").first
    size = page.evaluate(
        """el => parseFloat(getComputedStyle(el).fontSize) * window.railyardBoard.state.zoom""",
        title.element_handle(),
    )
    assert size >= 14
    assert title.get_attribute("title").endswith("shortened on the projector")


def test_no_string_crosses_a_load_figure(signed_in, live_server, train_of_eight):
    page = signed_in()
    open_projector(page, live_server, train_of_eight["url"])
    result = page.evaluate(
        """() => {
          const loads = [...document.querySelectorAll('.board__grid .load')]
            .map(el => el.getBoundingClientRect());
          const svg = document.querySelector('#dependency-layer svg').getBoundingClientRect();
          const hits = [];
          const paths = [...document.querySelectorAll('g.dep-line path.dep-line__path')];
          for (const path of paths) {
            const half = parseFloat(getComputedStyle(path).strokeWidth) / 2;
            const length = path.getTotalLength();
            for (let at = 0; at <= length; at += 1) {
              const p = path.getPointAtLength(at);
              const x = svg.left + p.x, y = svg.top + p.y;
              for (const r of loads) {
                if (x + half > r.left && x - half < r.right && y + half > r.top && y - half < r.bottom) {
                  hits.push([path.parentNode.dataset.dep, Math.round(x), Math.round(y)]);
                }
              }
            }
          }
          for (const badge of document.querySelectorAll('g.dep-line__badge')) {
            const b = badge.getBoundingClientRect();
            for (const r of loads) {
              const over = b.left < r.right && b.right > r.left && b.top < r.bottom && b.bottom > r.top;
              if (over) hits.push(['badge']);
            }
          }
          return {paths: paths.length, hits: hits.slice(0, 5)};
        }"""
    )
    assert result["paths"] == 4
    assert result["hits"] == []


def test_focus_on_a_team_shows_it_and_its_partners_only(signed_in, live_server, train_of_eight):
    page = signed_in()
    open_projector(page, live_server, train_of_eight["url"])
    alpha, bravo, charlie, delta, echo, foxtrot, golf, hotel = train_of_eight["teams"]
    page.select_option("#board-focus", str(alpha.pk))
    # Alpha needs from Hotel and Delta needs from Alpha: those three rows, no other
    for team in (alpha, delta, hotel):
        expect(page.locator(f"#team-row-{team.pk} [data-team-head]")).to_be_visible()
    for team in (bravo, charlie, echo, foxtrot, golf):
        expect(page.locator(f"#team-row-{team.pk} [data-team-head]")).to_be_hidden()
    expect(page.locator("#board-matches")).to_have_text("with its 2 dependency partners")
    expect(page.locator("g.dep-line")).to_have_count(2)
    page.select_option("#board-focus", "")
    expect(page.locator(f"#team-row-{bravo.pk} [data-team-head]")).to_be_visible()


def test_a_row_collapses_to_its_load_line_and_the_zoom_is_remembered(signed_in, live_server, train_of_eight):
    page = signed_in()
    open_projector(page, live_server, train_of_eight["url"], "?view=standard")
    alpha = train_of_eight["teams"][0]
    row = page.locator(f"#team-row-{alpha.pk}")
    toggle = row.locator("[data-collapse]")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(row.locator(".bcard--feature").first).to_be_hidden()
    expect(row.locator(".load").first).to_be_visible()
    expect(row.locator(".bcard__team").first).to_have_text(alpha.initials)
    # the zoom by keyboard on its slider; a reload keeps it (localStorage)
    page.locator("[data-board-zoom]").focus()
    for _ in range(4):
        page.keyboard.press("ArrowLeft")
    expect(page.locator("[data-board-zoom-value]")).to_have_text("80 %")
    page.reload()
    page.wait_for_function("() => window.railyardBoard !== undefined")
    expect(page.locator("[data-board-zoom-value]")).to_have_text("80 %")
    assert page.evaluate("() => window.railyardBoard.state.zoom") == 0.8


def test_the_projector_toggle_works_by_keyboard_and_is_remembered(signed_in, live_server, train_of_eight):
    page = signed_in()
    open_projector(page, live_server, train_of_eight["url"], "")
    toggle = page.locator("[data-view-toggle]")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(page.locator(".app-header")).to_be_visible()
    toggle.focus()
    page.keyboard.press(" ")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".app-header")).to_be_hidden()
    assert page.url.endswith("?view=projector")  # the bookmark
    # a later visit without the parameter opens the projector view again (this browser)
    page.goto(live_server.url + train_of_eight["url"])
    page.wait_for_function("() => window.railyardBoard !== undefined")
    expect(page.locator(".board-page")).to_have_class("board-page is-projector")
