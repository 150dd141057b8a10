"""Context shared by every page, and the per-train navigation.

The navigation is a registry: each app adds its pages with `register_train_nav(...)` (or by
adding to TRAIN_NAV). An item whose URL name does not resolve (the page does not exist yet) is
hidden, so the header never shows a dead link.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from art.models import ProgramIncrement


@dataclass(frozen=True)
class NavItem:
    label: str
    icon: str
    url_name: str
    #: Pages of one PI (the board) get the PI on screen or else the train's current PI.
    needs_pi: bool = False
    #: Other URL names under which this item shows as the current one.
    also_active: tuple[str, ...] = field(default_factory=tuple)


TRAIN_NAV: list[NavItem] = [
    NavItem("Train overview", "home", "art:train", also_active=("art:team",)),
    NavItem("PIs", "calendar", "art:pi", needs_pi=True),
    NavItem("Board", "board", "pi_planning:board", needs_pi=True),
    NavItem("Kanban", "menu", "art:kanban", also_active=("art:kanban_aging",)),
    NavItem("Objectives", "flag", "pi_planning:objectives", needs_pi=True),
    NavItem("Dependencies", "link", "pi_planning:dependencies", needs_pi=True),
    NavItem("Risks", "alert", "pi_planning:risks", needs_pi=True),
    NavItem(
        "Confidence vote",
        "check-circle",
        "pi_planning:confidence",
        needs_pi=True,
        also_active=("pi_planning:vote",),
    ),
    NavItem("Events", "clock", "sync:events"),
    NavItem("Metrics", "chart", "metrics:dashboard"),
]


def register_train_nav(item: NavItem, *, before: str | None = None) -> None:
    """Add or replace (by label) an item of the train navigation."""
    TRAIN_NAV[:] = [existing for existing in TRAIN_NAV if existing.label != item.label]
    labels = [existing.label for existing in TRAIN_NAV]
    TRAIN_NAV.insert(labels.index(before) if before in labels else len(TRAIN_NAV), item)


@dataclass(frozen=True)
class PILink:
    """A page about one PI that another app serves (its demos, its Inspect & Adapt, …), linked
    from the PI's page; its URL takes the train's `slug` and the `pi_id`."""

    label: str
    icon: str
    url_name: str


#: The PI page's links to the pages other apps serve about that PI, in the order registered.
PI_LINKS: list[PILink] = []


def register_pi_link(link: PILink) -> None:
    """Add or replace (by label) a link of the PI page (apps call it from AppConfig.ready)."""
    PI_LINKS[:] = [existing for existing in PI_LINKS if existing.label != link.label]
    PI_LINKS.append(link)


def pi_links(train: Any, pi: Any) -> list[dict[str, str]]:
    """The PI page's links as label, icon and URL; a page that does not exist yet is left out."""
    links = []
    for link in PI_LINKS:
        try:
            url = reverse(link.url_name, kwargs={"slug": train.slug, "pi_id": pi.pk})
        except NoReverseMatch:
            continue
        links.append({"label": link.label, "icon": link.icon, "url": url})
    return links


def _current_pi(train: Any) -> ProgramIncrement | None:
    """The PI being executed, else the next in planning, else the latest (as selectors.pi_current),
    in one query."""
    pis = list(
        ProgramIncrement.objects.filter(train=train).only("id", "name", "state", "start_date", "train_id")
    )
    for state in (ProgramIncrement.State.EXECUTING, ProgramIncrement.State.PLANNING):
        candidates = sorted((p for p in pis if p.state == state), key=lambda p: p.start_date)
        if candidates:
            return candidates[0]
    return max(pis, key=lambda p: p.start_date, default=None)


def _reverse(item: NavItem, train: Any, pi: Any) -> str | None:
    attempts = []
    if item.needs_pi:
        if pi is None:
            return None
        attempts += [{"slug": train.slug, "pi_id": pi.pk}, {"pi_id": pi.pk}]
    else:
        attempts += [{"slug": train.slug}, {"train_id": train.pk}]
    for kwargs in attempts:
        try:
            return reverse(item.url_name, kwargs=kwargs)
        except NoReverseMatch:
            continue
    return None


def train_nav_items(request: HttpRequest | None, train: Any, pi: Any = None) -> list[dict[str, Any]]:
    current = getattr(getattr(request, "resolver_match", None), "view_name", "") or ""
    if pi is None and any(item.needs_pi for item in TRAIN_NAV):
        pi = _current_pi(train)
    items = []
    for item in TRAIN_NAV:
        url = _reverse(item, train, pi)
        if url is None:
            continue
        active = current == item.url_name or current in item.also_active
        items.append({"label": item.label, "icon": item.icon, "url": url, "active": active})
    return items


def railyard(request: HttpRequest) -> dict[str, Any]:
    return {"product_name": "Railyard"}
