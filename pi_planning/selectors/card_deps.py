"""A card's part in its PI's dependencies, as the planning board's badges show it (the count,
the worst health, the external providers, one line per dependency), and how health reads on
the page. Made by pi_planning.selectors.board.pi_board_data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from art import rules

if TYPE_CHECKING:
    from pi_planning.selectors.dependencies import DependencyWithHealth

#: Worst first: the health a card's badge shows when it takes part in several dependencies.
HEALTH_ORDER = {
    rules.dependencies.RED: 0,
    rules.dependencies.AMBER: 1,
    rules.dependencies.GREEN: 2,
    rules.dependencies.DONE: 3,
}
#: How health reads on the page: (css tone, icon, word). Colour is never the only signal.
HEALTH_TONES = {
    rules.dependencies.GREEN: "healthy",
    rules.dependencies.AMBER: "risk",
    rules.dependencies.RED: "conflict",
    rules.dependencies.DONE: "neutral",
}


@dataclass
class CardDeps:
    """A card's part in the PI's dependencies, for its badge."""

    count: int = 0
    worst: str | None = None
    external: int = 0
    by_health: dict[str, int] = field(default_factory=dict)
    parts: list[tuple[DependencyWithHealth, str]] = field(default_factory=list)  # (dependency, role)

    def add(self, dependency: DependencyWithHealth, role: str) -> None:
        self.count += 1
        code = dependency.health.code
        self.by_health[code] = self.by_health.get(code, 0) + 1
        if self.worst is None or HEALTH_ORDER[code] < HEALTH_ORDER[self.worst]:
            self.worst = code
        if dependency.is_external:
            self.external += 1
        self.parts.append((dependency, role))

    @property
    def reasons(self) -> list[str]:
        """One line per dependency, in the order they were added: written when the badge's
        title asks for them (the API never does)."""
        reasons = []
        for dependency, role in self.parts:
            other = dependency.provider_name if role == "requester" else dependency.requester_team.name
            verb = "needs from" if role == "requester" else "provides to"
            reasons.append(f"{dependency.key} {verb} {other}: {dependency.health.label}")
        return reasons

    @property
    def tone(self) -> str:
        return HEALTH_TONES.get(self.worst or "", "neutral")

    @property
    def icon(self) -> str:
        return rules.dependencies.HEALTH_ICONS.get(self.worst or "", "")

    @property
    def label(self) -> str:
        return rules.dependencies.HEALTH_LABELS.get(self.worst or "", "")

    @property
    def summary(self) -> str:
        return "; ".join(self.reasons)

    @property
    def counts(self) -> list[tuple[str, str, int, str]]:
        """(tone, icon, count, word) per health, worst first: the card's badges when strings
        are off."""
        return [
            (
                HEALTH_TONES[code],
                rules.dependencies.HEALTH_ICONS[code],
                self.by_health[code],
                rules.dependencies.HEALTH_LABELS[code],
            )
            for code in sorted(self.by_health, key=HEALTH_ORDER.__getitem__)
        ]
