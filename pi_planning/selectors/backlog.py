"""Sections that other apps add to the board's backlog panel (the improvement items targeted at
the PI, …), below the ranked backlog. The planning board knows no app above it: an app registers
a provider, `fn(pi) -> BacklogSection` of plain data, from its AppConfig.ready(); the board calls
every provider when the panel renders, each in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from art.models import ProgramIncrement


@dataclass(frozen=True)
class BacklogSectionItem:
    """One row of a section: its title and a line under it, a status badge (tone, icon, word),
    a link to where it lives, and the URL of its one action (POST; "" when none)."""

    id: int
    title: str
    meta: str = ""
    status: str = ""
    tone: str = "neutral"
    icon: str = ""
    link_label: str = ""
    link_url: str = ""
    action_url: str = ""


@dataclass(frozen=True)
class BacklogSection:
    """A titled list of the panel. `action_label` names the items' action (shown to those who
    may edit the backlog, on an open PI)."""

    key: str
    title: str
    items: list[BacklogSectionItem] = field(default_factory=list)
    empty: str = ""
    more_url: str = ""
    more_label: str = ""
    action_label: str = ""
    action_hint: str = ""


BacklogSectionProvider = Callable[[ProgramIncrement], BacklogSection]

#: The providers, by key, in the order registered.
BACKLOG_SECTIONS: dict[str, BacklogSectionProvider] = {}


def register_backlog_section(key: str, provider: BacklogSectionProvider) -> None:
    """Add or replace (by key) a section of the board's backlog panel."""
    BACKLOG_SECTIONS[key] = provider


def backlog_sections(pi: ProgramIncrement) -> list[BacklogSection]:
    """Every registered section for `pi`; a section with no items and no empty words is left out."""
    sections = [provider(pi) for provider in BACKLOG_SECTIONS.values()]
    return [s for s in sections if s.items or s.empty]
