"""The dependency board in pages of cards (BOARD_PAGE_SIZE, 50): the first page and "Load more"
(the htmx fragment of the next page, its cards joining the groups already on screen out of
band) or, without JavaScript, ?page=N; the counts of the whole board on every page (headline,
each group's); filters and view kept from page to page; a card's own link and a write without
JavaScript land on the page that shows the card; bad page numbers answer cleanly; the queries
do not grow with the cards."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pi_planning import services
from pi_planning.selectors.dependencies import BOARD_PAGE_SIZE, dependency_board
from tests.art.factories import TeamFactory
from tests.pi_planning.helpers import iterations

pytestmark = pytest.mark.django_db

CARD = re.compile(r'<article class="dep-card[^"]*" id="dep-(\d+)"')


@pytest.fixture
def charlie(world):
    return TeamFactory(train=world.train, name="Charlie")


def add(world, provider, n, *, start=0):
    needed_by = iterations(world.pi)[2]
    return [
        services.dependency_create(
            actor=world.rte,
            pi=world.pi,
            requester_team=world.team,
            provider_team=provider,
            needed_by=needed_by,
            title=f"{provider.name} {start + i}",
        )
        for i in range(n)
    ]


@pytest.fixture
def sixty(world, charlie):
    """Alpha needs 40 things from Bravo and 20 from Charlie (all open), and 2 more from Charlie
    that were cancelled (hidden unless asked for)."""
    bravo = add(world, world.other_team, 40)
    from_charlie = add(world, charlie, 22)
    for dep in from_charlie[20:]:
        services.dependency_set_state(actor=world.rte, dependency=dep, state="cancelled")
    return {"bravo": bravo, "charlie": from_charlie[:20], "cancelled": from_charlie[20:]}


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return re.sub(r"\s+", " ", response.content.decode())


def cards(body: str) -> list[int]:
    return [int(pk) for pk in CARD.findall(body)]


def group_count(body: str, team) -> int:
    header = body[body.index(f'id="group-team-{team.pk}-title"') :].split("</header>")[0]
    return int(re.search(r'<span class="count"[^>]*>(\d+)', header).group(1))


def test_the_first_page_has_a_page_of_cards_and_the_whole_boards_counts(world, page_as, urls, sixty, charlie):
    assert BOARD_PAGE_SIZE == 50
    body = text(page_as("viewer").get(urls.page("dependencies")))
    assert len(cards(body)) == 50
    # the headline and each group count the whole board, not the page
    assert "Showing 60 of 62 · 2 delivered or cancelled hidden" in body
    assert 'aria-label="Show the 2 delivered or cancelled"' in body
    assert group_count(body, world.other_team) == 40 and group_count(body, charlie) == 20
    assert "Cards 1–50 of 60 loaded" in body
    # the group cut by the page says how many of it come next
    assert f'id="group-team-{charlie.pk}-later">10 more of Charlie on the next page' in body
    assert f'id="group-team-{world.other_team.pk}-later"' not in body
    # "Load more": a plain link to page 2, fetched by htmx into the page
    more = re.search(
        r'<a class="btn btn--secondary" href="([^"]+)" hx-get="([^"]+)"[^>]*>.*?Load 10 more', body
    )
    assert more, body[-2000:]
    assert "page=2" in more.group(1) and "first=" not in more.group(1)
    assert "page=2" in more.group(2) and "first=1" in more.group(2)


def test_page_two_without_javascript(world, page_as, urls, sixty, charlie):
    client = page_as("viewer")
    first = cards(text(client.get(urls.page("dependencies"))))
    body = text(client.get(urls.page("dependencies") + "?page=2"))
    second = cards(body)
    assert len(second) == 10 and not set(first) & set(second)
    assert set(first) | set(second) == {d.pk for d in sixty["bravo"] + sixty["charlie"]}
    # Charlie's group goes on from page 1, with its whole count
    assert re.search(r"Charlie <span class=\"muted\">\(continued\)</span></h2>", body)
    assert group_count(body, charlie) == 20 and "Showing 60 of 62" in body
    assert "Cards 51–60 of 60" in body and "Load " not in body
    assert re.search(r'href="[^"]*page=1[^"]*">.*?Previous 50', body)


def test_load_more_fragment_adds_the_next_page_to_the_groups_on_screen(
    world, htmx, page_as, urls, sixty, charlie
):
    page_as("viewer")
    first = htmx.get(urls.page("dependencies"), target="dependency-board")
    assert text(first).lstrip().startswith('<div id="dependency-board"') and len(cards(text(first))) == 50
    body = text(htmx.get(urls.page("dependencies") + "?page=2&first=1", target="dependency-more"))
    assert "<html" not in body and 'id="dependency-board"' not in body
    # Charlie's 10 remaining cards join its group on screen
    oob = f'<div hx-swap-oob="beforeend:#group-team-{charlie.pk}-cards">'
    joined = re.search(re.escape(oob) + r"(.*?)</div> ?<p ", body)
    assert joined and len(cards(joined.group(1))) == 10
    # and its note of the cards still to come goes: the group is whole now
    assert f'<p id="group-team-{charlie.pk}-later" hx-swap-oob="delete"></p>' in body
    # the new "more" part: nothing more to load, focus goes to the first added card, and the live
    # refresh now asks for both pages
    more = body[body.index('id="dependency-more"') :]
    assert "Load " not in more and "Cards 1–60 of 60 loaded" in more
    assert f'data-first-card="dep-{cards(joined.group(1))[0]}"' in more
    assert re.search(r'data-board-src="[^"]*page=1&amp;pages=2', body)


def test_filters_and_view_are_kept_from_page_to_page(world, htmx, page_as, urls, sixty, charlie):
    client = page_as("viewer")
    query = "?view=requester&state=requested&done=1"
    body = text(client.get(urls.page("dependencies") + query))
    assert "Showing 60 of 62" in body and len(cards(body)) == 50
    next_url = re.search(r'href="([^"]*page=2[^"]*)"', body).group(1).replace("&amp;", "&")
    for kept in ("view=requester", "state=requested", "done=1"):
        assert kept in next_url
    second = text(client.get(next_url))
    assert len(cards(second)) == 10 and "Showing 60 of 62" in second
    assert 'value="requester" checked' in second
    fragment = text(htmx.get(next_url + "&first=1", target="dependency-more"))
    assert len(cards(fragment)) == 10
    # a filter that leaves less than a page: one page, no "Load more"
    few = text(client.get(urls.page("dependencies") + f"?team={charlie.pk}&view=aging"))
    assert len(cards(few)) == 20 and "Load " not in few and "Cards " not in few


@pytest.mark.parametrize("page", ["0", "-1", "x", "2.5", "999999999999"])
def test_a_page_that_is_not_a_number_shows_the_first_page_and_says_so(world, page_as, urls, sixty, page):
    body = text(page_as("viewer").get(urls.page("dependencies") + f"?page={page}"))
    assert len(cards(body)) == 50 and "Cards 1–50 of 60" in body
    assert "this is the first page" in body


def test_a_page_past_the_end_shows_the_last_page_and_says_so(world, htmx, page_as, urls, sixty):
    body = text(page_as("viewer").get(urls.page("dependencies") + "?page=7"))
    assert (
        len(cards(body)) == 10 and "There is no page 7: the board has 2 pages; this is the last one." in body
    )
    # "Load more" past the end adds nothing (and no error)
    fragment = text(htmx.get(urls.page("dependencies") + "?page=7&first=1", target="dependency-more"))
    assert cards(fragment) == [] and "Load " not in fragment


def test_a_cards_own_link_opens_its_page(world, page_as, urls, sixty, charlie):
    client = page_as("viewer")
    second = cards(text(client.get(urls.page("dependencies") + "?page=2")))
    body = text(client.get(urls.page("dependency", dep_id=second[-1])))
    assert second[-1] in cards(body) and len(cards(body)) == 10
    assert re.search(rf'id="dep-{second[-1]}"[^>]*aria-current="true"', body)
    assert group_count(body, charlie) == 20 and "Showing 60 of 62" in body
    # a cancelled one (hidden by default) opens on the board with the done ones shown
    cancelled = sixty["cancelled"][0]
    body = text(client.get(urls.page("dependency", dep_id=cancelled.pk)))
    assert cancelled.pk in cards(body) and "Showing 62 of 62" in body


def test_a_write_without_javascript_comes_back_to_the_cards_page(world, page_as, urls, sixty):
    client = page_as("rte")
    second = cards(text(client.get(urls.page("dependencies") + "?page=2")))
    dep = next(d for d in sixty["charlie"] if d.pk == second[0])
    dep.refresh_from_db()
    answer = client.post(urls.page("dependency_comment", dep_id=dep.pk), {"body": "Can you make it earlier?"})
    assert answer.status_code == 302 and answer.url.endswith(f"?card={dep.pk}#dep-{dep.pk}")
    assert dep.pk in cards(text(client.get(answer.url)))


def test_queries_do_not_grow_with_cards(world, client, urls, charlie):
    client.force_login(world.rte)
    board = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "dependency-board"}
    more = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "dependency-more"}

    def count(url, **headers):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url, **headers).status_code == 200
        return len(ctx.captured_queries)

    add(world, world.other_team, 10)
    few = count(urls.page("dependencies"))
    few_fragment = count(urls.page("dependencies") + "?view=aging", **board)
    add(world, charlie, 50, start=10)
    assert count(urls.page("dependencies")) == few
    assert count(urls.page("dependencies") + "?view=aging", **board) == few_fragment
    assert count(urls.page("dependencies") + "?page=2&first=1", **more) <= few


def test_the_selector_cuts_groups_to_the_page_and_keeps_their_counts(world, sixty, charlie):
    board = dependency_board(pi=world.pi, page=2, page_size=30)
    assert [(g.title, len(g.cards), g.count, g.continued, g.continues) for g in board["groups"]] == [
        ("Bravo", 10, 40, True, False),
        ("Charlie", 20, 20, False, False),
    ]
    assert (board["shown"], board["total"], board["page_count"], board["next_page"]) == (60, 62, 2, None)
    assert (board["first_index"], board["last_index"], board["previous_page"]) == (31, 60, 1)
    # two pages from the first (what a live refresh of a board with two pages loaded asks for)
    both = dependency_board(pi=world.pi, page=1, pages=2, page_size=30)
    assert sum(len(g.cards) for g in both["groups"]) == 60 and both["next_page"] is None
    # the page that shows a card
    last = board["groups"][-1].cards[-1]
    assert dependency_board(pi=world.pi, page_size=30, focus=last.pk)["page"] == 2
    # every card when there is no page size (the board as it was)
    whole = dependency_board(pi=world.pi)
    assert whole["page_count"] == 1 and sum(len(g.cards) for g in whole["groups"]) == 60
