"""Two people on one board, in two browsers, against a real ASGI server (daphne, as `make run`
serves): what one does appears for the other within a second, without a reload; presence shows
both; a restart of the server pauses live updates, and they come back and catch up."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.asgi_servers import AsgiServer, Session, copy_database, shared_seed

pytestmark = [pytest.mark.browser]

BOARD = "/trains/payments-art/pis/2/board/"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    seeded = shared_seed(tmp_path_factory)
    with AsgiServer(copy_database(seeded, tmp_path_factory.mktemp("live-db"))) as running:
        yield running


@pytest.fixture
def browser(browser):
    """The session's browser, with every context a test opened closed after it (their pages keep
    sockets and timers)."""
    before = set(browser.contexts)
    yield browser
    for context in set(browser.contexts) - before:
        context.close()


def _sign_in(browser, base: str, username: str):
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(base + "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("railyard-demo")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base + "/trains/")
    page.problems = problems  # type: ignore[attr-defined]
    return page


def _wait(page, script: str, expected, seconds: float = 3.0) -> float:
    """Poll `script` in the page until it answers `expected`; the seconds it took."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if page.evaluate(script) == expected:
            return time.monotonic() - start
        time.sleep(0.02)
    raise AssertionError(f"{script!r} never answered {expected!r} (last: {page.evaluate(script)!r})")


def _story_in(page, team_id: int) -> dict:
    return page.evaluate(
        """(team) => {
        const c = document.querySelector(`.bcell [data-card][data-kind=story][data-team="${team}"]`);
        return c && {id: c.getAttribute('data-id'), iteration: c.getAttribute('data-iteration'),
                     version: c.getAttribute('data-version')}; }""",
        team_id,
    )


def test_a_move_in_one_browser_appears_in_the_other_within_a_second(browser, server):
    rte = _sign_in(browser, server.url, "rte")
    member = _sign_in(browser, server.url, "member")
    for page in (rte, member):
        page.goto(server.url + BOARD)
    # Presence: each sees both people.
    for page in (rte, member):
        _wait(page, "() => document.querySelectorAll('#presence .presence__person').length", 2)
    assert "2 here" in member.inner_text("#presence")

    team = int(
        member.evaluate("() => document.querySelector('[data-team-row]').getAttribute('data-team-row')")
    )
    member.evaluate("() => document.querySelector('[data-expand]').click()")  # show the team's stories
    rte.evaluate("() => document.querySelector('[data-expand]').click()")
    _wait(member, "() => !!document.querySelector('.bcell [data-card][data-kind=story]')", True)
    story = _story_in(member, team)
    iterations = rte.evaluate(
        "(t) => [...document.querySelectorAll(`.bcell[data-team='${t}']:not(.bcell--ip)`)]"
        ".map(c => c.getAttribute('data-iteration'))",
        team,
    )
    target = next(i for i in iterations if i != story["iteration"])

    # The RTE moves it (the same request the board's drag and drop makes).
    status = rte.evaluate(
        """async ([id, version, team, iteration]) => {
          const body = new FormData();
          Object.entries({kind: 'story', card: id, version, team, iteration})
            .forEach(([k, v]) => body.append(k, v));
          const csrf = JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken'];
          const r = await fetch(document.querySelector('[data-move-url]').getAttribute('data-move-url'),
            {method: 'POST', body, headers: {'X-CSRFToken': csrf, 'HX-Request': 'true'}});
          return r.status; }""",
        [story["id"], story["version"], str(team), target],
    )
    assert status == 200
    took = _wait(
        member,
        f"() => document.querySelector('#card-story-{story['id']}')?.getAttribute('data-iteration')",
        target,
        seconds=1.0,
    )
    assert took < 1.0
    # It was not a reload: the member's page is the same document, and the card says it moved.
    assert member.evaluate("() => performance.getEntriesByType('navigation').length") == 1

    # Through the API too: a dependency turning red reaches the other browser.
    api = Session(server.url, "rte")
    dependencies = api.api("GET", "dependencies/?pi=2&page_size=200")
    rows = dependencies["results"] if isinstance(dependencies, dict) else dependencies
    green = next(d for d in rows if d["health"] == "green" and d["provider_team"])
    before = member.evaluate("() => document.querySelector('#dependency-summary').textContent")
    iterations_api = api.api("GET", "iterations/?pi=2")
    its = iterations_api["results"] if isinstance(iterations_api, dict) else iterations_api
    ip = next(i for i in its if i["is_ip"])
    api.api(
        "PATCH",
        f"dependencies/{green['id']}/",
        {"committed_iteration": ip["id"], "version": green["version"]},
    )
    start = time.monotonic()
    while time.monotonic() - start < 1.0:
        if member.evaluate("() => document.querySelector('#dependency-summary').textContent") != before:
            break
        time.sleep(0.02)
    else:
        raise AssertionError("the dependency summary did not change in the other browser")
    assert not member.problems and not rte.problems  # type: ignore[attr-defined]


def test_a_vote_count_increments_on_the_rtes_page(browser, server):
    rte = _sign_in(browser, server.url, "rte")
    rte.goto(server.url + "/trains/payments-art/pis/2/confidence/")
    api = Session(server.url, "rte")
    voter = Session(server.url, "member")
    # The RTE opens the train's vote; a member then votes through the API.
    api.api("POST", "pis/2/confidence/open/", {"team": None})
    count = "() => document.querySelector('#scope-train-count .vote-scope__number')?.textContent"
    rte.reload()
    before = rte.evaluate(count)
    assert before is not None
    voter.api("POST", "votes/", {"pi": 2, "team": None, "score": 4})
    start = time.monotonic()
    while time.monotonic() - start < 1.5:
        if rte.evaluate(count) != before:
            break
        time.sleep(0.02)
    else:
        raise AssertionError(f"the vote count stayed {before!r}")


def test_live_updates_pause_on_a_restart_then_come_back_and_catch_up(browser, server):
    member = _sign_in(browser, server.url, "member")
    member.goto(server.url + BOARD)
    _wait(member, "() => document.body.getAttribute('data-live-state')", "live")
    server.stop()
    _wait(member, "() => document.body.getAttribute('data-live-state')", "paused", 5)
    assert "paused" in member.inner_text("#live-banner").lower()
    server.start()
    # A change made right after the restart, before or while the page reconnects.
    api = Session(server.url, "rte")
    shown = member.evaluate(
        "() => document.querySelector('.bcell [data-card][data-kind=feature]').getAttribute('data-id')"
    )
    feature = api.api("GET", f"features/{shown}/")
    api.api(
        "PATCH", f"features/{feature['id']}/", {"title": "Renamed while away", "version": feature["version"]}
    )
    _wait(member, "() => document.body.getAttribute('data-live-state')", "live", 40)
    _wait(
        member,
        f"() => document.querySelector('#card-feature-{feature['id']} .bcard__title')?.textContent",
        "Renamed while away",
        5,
    )
    assert Path(server.log).exists()
