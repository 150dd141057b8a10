"""Every link a page: a card's or a part's URL opened on its own (new tab, middle click, a link
someone shared) answers the whole page, navigation included, with that card there and open;
htmx, asking for the same URL, still gets the fragment alone."""

import pytest
from django.urls import reverse

from pi_planning.models import Risk
from tests.art.factories import FeatureFactory
from tests.pi_planning.factories import DependencyFactory, RiskFactory
from tests.sync.factories import ImprovementItemFactory
from tests.sync.helpers import event_url, now_rounded, sync_at


def pi_url(world, view, **kwargs):
    return reverse(f"pi_planning:{view}", kwargs={"slug": world.train.slug, "pi_id": world.pi.pk, **kwargs})


@pytest.fixture
def links(world):
    """(plain-GET url, text the card shows) for each card link, and the part the htmx answer
    must consist of."""
    dep = DependencyFactory(pi=world.pi, title="Fraud score feed", owner="Dora")
    delivered = DependencyFactory(pi=world.pi, title="Ledger export")
    delivered.state, delivered.resolved_at = "delivered", delivered.created_at
    delivered.save()
    risk = RiskFactory(pi=world.pi, title="Vendor may slip", roam=Risk.Roam.OWNED, owner="Omar")
    feature = FeatureFactory(train=world.train, pi=world.pi, title="Wallet top-up")
    item = ImprovementItemFactory(train=world.train, title="Shorter syncs")
    sync = sync_at(world, now_rounded())
    dep_url = pi_url(world, "dependency", dep_id=dep.pk)
    return [
        (dep_url, ["Fraud score feed", dep.key, f'id="dep-{dep.pk}"']),
        (dep_url + "?edit=1", ["Fraud score feed", f'id="id_dep-{dep.pk}-title"']),
        (dep_url + "?part=comments", ["Fraud score feed", 'dep-comments" open']),
        (dep_url + "?part=history", ["Fraud score feed", 'card-history" open']),
        (pi_url(world, "dependency", dep_id=delivered.pk), ["Ledger export"]),  # hidden by default
        (pi_url(world, "risk", risk_id=risk.pk), ["Vendor may slip", f'id="risk-{risk.pk}"']),
        (pi_url(world, "risk", risk_id=risk.pk) + "?edit=1", [f'id="id_risk-{risk.pk}-title"']),
        (pi_url(world, "feature_wsjf", feature_id=feature.pk), ["Wallet top-up", 'class="wsjf-form"']),
        (pi_url(world, "confidence_scope", scope="train"), ["Whole train"]),
        (
            pi_url(world, "board_fragment", name="card") + f"?card=feature-{feature.pk}",
            ["Wallet top-up", feature.key],
        ),
        (event_url(world, sync, "sync_agenda") + "?section=summary", ['id="section-summary"']),
        (
            reverse("sync:improvement", kwargs={"slug": world.train.slug, "item_id": item.pk})
            + "?part=history",
            ["Shorter syncs", 'card-history" open'],
        ),
    ]


def test_a_card_link_opened_on_its_own_is_the_whole_page_with_the_card_open(world, client, links):
    client.force_login(world.rte)
    for url, shown in links:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "<nav" in html and "<html" in html, f"{url} answered a bare fragment"
        for text in shown:
            assert text in html, f"{url} lacks {text!r}"


def test_the_same_links_asked_by_htmx_answer_the_fragment_alone(world, htmx, links):
    htmx.client.force_login(world.rte)
    for url, _shown in links:
        response = htmx.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "<nav" not in html and "<html" not in html, f"{url} answered a whole page to htmx"


def test_a_dependency_link_opens_that_card_focused_and_a_risk_link_likewise(world, client):
    dep = DependencyFactory(pi=world.pi)
    other = DependencyFactory(pi=world.pi)
    risk = RiskFactory(pi=world.pi)
    client.force_login(world.viewer)
    html = client.get(pi_url(world, "dependency", dep_id=dep.pk)).content.decode()
    assert html.count('aria-current="true"') == 1 and f'id="dep-{other.pk}"' in html
    opened = html[html.index(f'id="dep-{dep.pk}"') :].split(">", 1)[0]
    assert "autofocus" in opened and 'aria-current="true"' in opened
    html = client.get(pi_url(world, "risk", risk_id=risk.pk)).content.decode()
    assert 'aria-current="true"' in html[html.index(f'id="risk-{risk.pk}"') :].split(">", 1)[0]
