"""What only a browser shows on the card boards: two people voting from their own devices while
the RTE watches the live count and reveals; dragging a risk into Mitigated without a plan and
seeing the refusal; the providing team updating a dependency card in place; a stale write
showing the conflict in place."""

import re

import pytest
from playwright.sync_api import expect

from pi_planning import services
from pi_planning.models import Dependency, Risk, Vote

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sign_in_new(browser, live_server, password):
    """A page of a new browser context (another device), signed in as `username`."""
    contexts = []

    def open_as(username: str, **context_args):
        context = browser.new_context(**context_args)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/trains/")
        return page

    yield open_as
    for context in contexts:
        context.close()


def pi_url(live_server, world, page: str) -> str:
    return f"{live_server.url}/trains/{world.train.slug}/pis/{world.pi.pk}/{page}/"


def test_two_people_vote_from_their_phones_and_the_rte_reveals(sign_in_new, live_server, world):
    phone = {"viewport": {"width": 390, "height": 844}, "has_touch": True}
    # The RTE opens the train's vote from the projector.
    rte = sign_in_new("rte", viewport={"width": 1920, "height": 1080})
    rte.goto(pi_url(live_server, world, "confidence"))
    train = rte.locator("#scope-train")
    train.get_by_role("button", name="Open the vote of Whole train").click()
    expect(train.get_by_text("votes so far")).to_be_visible()
    # Two people vote from their own phones.
    ana = sign_in_new("member", **phone)
    ana.goto(pi_url(live_server, world, "vote"))
    ana.locator("#vote-train").get_by_role("button", name="4").click()
    expect(ana.locator("#vote-train")).to_contain_text("Your vote: 4")
    ben = sign_in_new("other_member", **phone)
    ben.goto(pi_url(live_server, world, "vote"))
    ben.locator("#vote-train").get_by_role("button", name="2").click()
    # A vote of 2 asks for the concern.
    concern = ben.get_by_label("What is your concern?")
    expect(concern).to_be_focused()
    concern.fill("The sandbox is not ours")
    ben.get_by_role("button", name="Send my concern").click()
    expect(ben.locator("#vote-train")).to_contain_text("Your concern (sent)")
    # Re-voting replaces: Ana changes her mind.
    ana.locator("#vote-train").get_by_role("button", name="5").click()
    expect(ana.locator("#vote-train").get_by_role("button", name="5")).to_have_attribute(
        "aria-pressed", "true"
    )
    # The RTE's count follows live, with no result before the reveal.
    expect(rte.locator("#scope-train-count")).to_contain_text("2 votes so far", timeout=8000)
    expect(train).not_to_contain_text("The sandbox is not ours")
    train.get_by_role("button", name="Reveal Whole train").click()
    expect(train).to_contain_text("Accepted")
    expect(train).to_contain_text("3.50")
    expect(train).to_contain_text("The sandbox is not ours")
    expect(train).not_to_contain_text("other_member")
    assert sorted(Vote.objects.values_list("score", flat=True)) == [2, 5]
    # One click records the concern as a risk.
    train.get_by_role("button", name="Record as risk").click()
    expect(train.get_by_role("link", name="Recorded as a risk")).to_be_visible()
    assert Risk.objects.get().title == "The sandbox is not ours"


def test_dragging_a_risk_to_mitigated_without_a_plan_is_refused(sign_in_new, live_server, world):
    risk = services.risk_create(
        actor=world.rte, train=world.train, pi=world.pi, title="Vendor SDK end of life"
    )
    risk = services.risk_roam(actor=world.rte, risk=risk, roam="owned", owner="Olga")
    page = sign_in_new("member", viewport={"width": 1920, "height": 1080})
    page.goto(pi_url(live_server, world, "risks"))
    card = page.locator(f"#risk-{risk.pk}")
    owned = page.locator('.roam-column__list[data-roam="owned"]')
    mitigated = page.locator('.roam-column__list[data-roam="mitigated"]')
    expect(owned.locator(f"#risk-{risk.pk}")).to_be_visible()
    # when the card is dragged into Mitigated
    box, target = card.bounding_box(), mitigated.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 15)
    page.mouse.down()
    for step in range(1, 16):
        page.mouse.move(
            box["x"] + box["width"] / 2 + (target["x"] + 40 - box["x"] - box["width"] / 2) * step / 15,
            box["y"] + 15 + (target["y"] + 30 - box["y"] - 15) * step / 15,
        )
        page.wait_for_timeout(30)
    page.mouse.up()
    # then the card comes back to Owned with the rule's words and a quick form for the plan
    refusal = page.locator(f"#risk-{risk.pk}-refusal")
    expect(refusal).to_contain_text("Not moved to Mitigated: Mitigated needs a mitigation plan")
    expect(owned.locator(f"#risk-{risk.pk}")).to_be_visible()
    expect(page.locator('[data-count-for="mitigated"]')).to_have_text("0")
    assert Risk.objects.get(pk=risk.pk).roam == "owned"
    # and supplying the plan completes the move
    plan = refusal.get_by_label("Mitigation plan")
    expect(plan).to_be_focused()
    plan.fill("Upgrade in iteration 2")
    refusal.get_by_role("button", name="Move to Mitigated").click()
    expect(mitigated.locator(f"#risk-{risk.pk}")).to_be_visible()
    expect(page.locator('[data-count-for="mitigated"]')).to_have_text("1")
    expect(page.locator(f"#risk-{risk.pk}")).to_contain_text("Upgrade in iteration 2")
    assert Risk.objects.get(pk=risk.pk).roam == "mitigated"


def test_the_move_menu_is_the_keyboard_alternative(sign_in_new, live_server, world):
    risk = services.risk_create(actor=world.rte, train=world.train, pi=world.pi, title="Scope creep")
    page = sign_in_new("member")
    page.goto(pi_url(live_server, world, "risks"))
    card = page.locator(f"#risk-{risk.pk}")
    card.locator("summary", has_text="Move to…").focus()
    page.keyboard.press("Enter")
    card.get_by_role("button", name="Accepted").focus()
    page.keyboard.press("Enter")
    expect(
        page.locator('.roam-column__list[data-roam="accepted"]').locator(f"#risk-{risk.pk}")
    ).to_be_visible()
    expect(page.locator("#toasts")).to_contain_text("“Scope creep” is Accepted.")
    history = page.locator(f"#risk-{risk.pk} .card-history")
    history.locator("summary").click()
    expect(history).to_contain_text(re.compile(r"ROAM\s*Un-ROAMed\s*→?\s*to?\s*Accepted"))


def test_the_providing_team_updates_a_dependency_card(sign_in_new, live_server, world):
    needed_by = world.pi.iterations.get(number=3)
    dep = services.dependency_create(
        actor=world.rte,
        pi=world.pi,
        requester_team=world.team,
        provider_team=world.other_team,
        needed_by=needed_by,
        title="Sandbox merchant accounts",
    )
    page = sign_in_new("other_member", viewport={"width": 390, "height": 844}, has_touch=True)
    page.goto(pi_url(live_server, world, "dependencies"))
    card = page.locator(f"#dep-{dep.pk}")
    expect(card).to_contain_text("Requested")
    card.get_by_label("State").select_option("committed")
    card.get_by_label("Committed iteration").select_option(label="Iteration 2")
    card.get_by_role("button", name=re.compile("Update")).click()
    card = page.locator(f"#dep-{dep.pk}")
    expect(card.get_by_label("State")).to_have_value("committed")
    expect(card).to_contain_text("Healthy")
    expect(page.locator("#toasts")).to_contain_text("is now committed for Iteration 2")
    assert Dependency.objects.get(pk=dep.pk).state == "committed"


def test_a_stale_dependency_update_shows_the_conflict_in_place(sign_in_new, live_server, world):
    dep = services.dependency_create(
        actor=world.rte,
        pi=world.pi,
        requester_team=world.team,
        provider_team=world.other_team,
        needed_by=world.pi.iterations.get(number=3),
        title="Fraud score",
    )
    page = sign_in_new("member")
    page.goto(pi_url(live_server, world, "dependencies"))
    # Meanwhile the other team blocks it.
    services.dependency_set_state(actor=world.other_member, dependency=dep, state="blocked")
    card = page.locator(f"#dep-{dep.pk}")
    card.get_by_label("State").select_option("cancelled")
    card.get_by_role("button", name=re.compile("Update")).click()
    conflict = page.locator(f"#dep-{dep.pk} .card-conflict")
    expect(conflict).to_contain_text("Someone else changed this card")
    expect(conflict).to_contain_text("both changed")
    expect(page.locator("#toasts")).not_to_contain_text("Reload to see their change")
    page.locator(f"#dep-{dep.pk}").get_by_role("button", name="Save my change again").click()
    expect(page.locator(f"#dep-{dep.pk} .card-conflict")).to_have_count(0)
    expect(page.locator(f"#dep-{dep.pk}").get_by_label("State")).to_have_value("cancelled")
    assert Dependency.objects.get(pk=dep.pk).state == "cancelled"


#: For each select of a dependency card: the text of its longest option against the room the
#: select gives its text (its width less its paddings), in the select's own font.
SELECT_ROOM = """() => {
  const ctx = document.createElement("canvas").getContext("2d");
  return [...document.querySelectorAll(".dep-card select")].map((select) => {
    const style = getComputedStyle(select);
    ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const sized = [...select.options].map((o) => ({ text: o.text, width: ctx.measureText(o.text).width }));
    const widest = sized.reduce((w, o) => (o.width > w.width ? o : w), { text: "", width: 0 });
    return { text: widest.text, need: Math.ceil(widest.width), room: Math.floor(room) };
  });
}"""


@pytest.mark.parametrize("width, height", [(1920, 1080), (1280, 800), (390, 844)])
def test_no_option_of_a_dependency_card_is_cut(sign_in_new, live_server, world, width, height):
    # given dependencies not committed yet (their iteration select offers "… (accept needed-by)")
    for title, number in (("Sandbox merchant accounts", 2), ("Fraud score", 4)):
        services.dependency_create(
            actor=world.rte,
            pi=world.pi,
            requester_team=world.team,
            provider_team=world.other_team,
            needed_by=world.pi.iterations.get(number=number),
            title=title,
        )
    # (seen by the providing team, whose cards offer the committed iteration too)
    page = sign_in_new("other_member", viewport={"width": width, "height": height})
    page.goto(pi_url(live_server, world, "dependencies"))
    expect(page.locator(".dep-card").first).to_contain_text("Requested")
    # then every option reads whole in its select ("Requested · now", never "Requested · nov")
    selects = page.evaluate(SELECT_ROOM)
    assert len(selects) == 4
    assert {s["text"] for s in selects} >= {"Requested · now", "Iteration 2 (accept needed-by)"}
    assert [s for s in selects if s["need"] > s["room"]] == []


def test_a_member_votes_only_on_their_own_teams_plan(sign_in_new, live_server, world):
    for team in (None, world.team, world.other_team):
        services.vote_round_open(actor=world.rte, pi=world.pi, team=team)
    phone = sign_in_new("member", viewport={"width": 390, "height": 844}, has_touch=True)
    phone.goto(pi_url(live_server, world, "vote"))
    titles = phone.locator(".vote-card__title")
    expect(titles).to_have_count(2)
    expect(titles.nth(0)).to_contain_text("Alpha’s plan")
    expect(titles.nth(1)).to_contain_text("The whole train’s plan")
    expect(phone.get_by_text("Bravo’s plan")).to_have_count(0)
    phone.locator(f"#vote-{world.team.pk}").get_by_role("button", name="4").click()
    expect(phone.locator(f"#vote-{world.team.pk}")).to_contain_text("Your vote: 4")
    assert list(Vote.objects.values_list("team_id", "score")) == [(world.team.pk, 4)]


def test_load_more_adds_the_next_page_of_dependencies_with_the_keyboard(sign_in_new, live_server, world):
    # given 55 open dependencies on Bravo: one group, 50 cards on the first page
    needed_by = world.pi.iterations.get(number=3)
    for n in range(55):
        services.dependency_create(
            actor=world.rte,
            pi=world.pi,
            requester_team=world.team,
            provider_team=world.other_team,
            needed_by=needed_by,
            title=f"Need {n}",
        )
    page = sign_in_new("viewer")
    page.goto(pi_url(live_server, world, "dependencies"))
    cards = page.locator("article.dep-card")
    expect(cards).to_have_count(50)
    expect(page.locator(f"#group-team-{world.other_team.pk}-title + * + .count")).to_contain_text("55")
    later = page.locator(f"#group-team-{world.other_team.pk}-later")
    expect(later).to_have_text("5 more of Bravo on the next page")
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    # when the viewer loads the rest from the keyboard
    more = page.get_by_role("link", name=re.compile("Load 5 more"))
    more.focus()
    page.keyboard.press("Enter")
    # then the 5 join Bravo's group (one group on the page), focus goes to the first of them,
    # and a live refresh would ask for both pages
    expect(cards).to_have_count(55)
    expect(page.locator("section.dependency-group")).to_have_count(1)
    expect(page.locator(f"#group-team-{world.other_team.pk}-cards > article")).to_have_count(55)
    first_added = cards.nth(50)
    expect(first_added).to_be_focused()
    expect(page.get_by_role("link", name=re.compile("Load "))).to_have_count(0)
    expect(page.locator("#dependency-more")).to_contain_text("Cards 1–55 of 55 loaded")
    assert "pages=2" in (page.locator("#dependency-board").get_attribute("data-live-src") or "")
    expect(later).to_have_count(0)
    assert errors == []
