"""Release notes and system demos (docs/domain.md, "Events"): what a window of time delivered,
grouped by kind, and how a system demo's items were received.

Pure functions of plain data. The features finished in a window are those whose done_at falls in
it (the one definition of art.selectors.flow.finished_features, read by
sync.selectors.releases.release_notes); the window of an iteration or a PI is its local dates,
first to last, both included.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: The order of the groups of release notes (product rule): what users get, what makes it
#: possible, what was fixed.
KIND_ORDER: tuple[str, ...] = ("business", "enabler", "defect")
KIND_TITLES = {"business": "Business features", "enabler": "Enablers", "defect": "Defects fixed"}


@dataclass(frozen=True)
class ReleaseItem:
    """A feature finished in the window."""

    id: int
    key: str
    title: str
    kind: str
    team: str  # "" when no team owns it
    points: int | None
    done_at: dt.datetime


@dataclass(frozen=True)
class ReleaseGroup:
    kind: str
    features: tuple[ReleaseItem, ...]

    @property
    def title(self) -> str:
        return KIND_TITLES.get(self.kind, self.kind.capitalize())

    @property
    def points(self) -> int:
        return sum(item.points or 0 for item in self.features)


def release_groups(items: Iterable[ReleaseItem]) -> list[ReleaseGroup]:
    """The finished features grouped by kind, business first, then enablers, then defects (a kind
    the product does not know comes last, by name); empty groups are left out. Inside a group,
    in the order they were finished (done_at), ties by id.

    Example: defect F-3 done 2 May, business F-1 done 4 May, business F-2 done 3 May, enabler
    F-4 done 1 May → business [F-2, F-1], enabler [F-4], defect [F-3]."""
    by_kind: dict[str, list[ReleaseItem]] = {}
    for item in items:
        by_kind.setdefault(item.kind, []).append(item)
    order = [k for k in KIND_ORDER if k in by_kind] + sorted(k for k in by_kind if k not in KIND_ORDER)
    return [
        ReleaseGroup(kind, tuple(sorted(by_kind[kind], key=lambda i: (i.done_at, i.id)))) for kind in order
    ]


# --- Markdown ----------------------------------------------------------------------------------

#: Characters that format Markdown (CommonMark) inline: a title containing one is shown as typed.
MARKDOWN_SPECIAL = "\\`*_{}[]()<>#+!|~&"


def markdown_text(text: object) -> str:
    """One line of Markdown showing `text` as typed: line breaks and runs of spaces folded, every
    character that would format escaped with a backslash.

    Example: "Pay *now* [beta] <b>" → "Pay \\*now\\* \\[beta\\] \\<b\\>"."""
    value = " ".join(str(text).split())
    return "".join("\\" + char if char in MARKDOWN_SPECIAL else char for char in value)


def release_notes_markdown(*, title: str, period: str, groups: Sequence[ReleaseGroup]) -> str:
    """Release notes as a Markdown document: a heading, the period, then one section per group
    with a line per feature: key, title, team and points."""
    count = sum(len(group.features) for group in groups)
    lines = [f"# {markdown_text(title)}", "", markdown_text(period), ""]
    if not groups:
        lines += ["No feature was finished in this period.", ""]
    else:
        lines += [f"{count} feature{'s' if count != 1 else ''} finished.", ""]
    for group in groups:
        lines += [f"## {markdown_text(group.title)} ({len(group.features)})", ""]
        for item in group.features:
            facts = [markdown_text(item.team) if item.team else "no team"]
            if item.points is not None:
                facts.append(f"{item.points} pts")
            lines.append(f"- **{markdown_text(item.key)}** {markdown_text(item.title)} ({', '.join(facts)})")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def safe_filename(*parts: str) -> str:
    """A download's file name made of `parts` joined by "-": letters, digits, dots and dashes
    only (anything else becomes a dash, runs of dashes fold), never empty.

    Example: ("Payments ART", "PI 26.1", "release-notes") → "Payments-ART-PI-26.1-release-notes"."""
    out = []
    for part in parts:
        cleaned = "".join(c if (c.isascii() and c.isalnum()) or c in ".-" else "-" for c in part)
        while "--" in cleaned:
            cleaned = cleaned.replace("--", "-")
        cleaned = cleaned.strip("-.")
        if cleaned:
            out.append(cleaned)
    return "-".join(out) or "release-notes"


# --- system demos ------------------------------------------------------------------------------

ACCEPTED, NOT_ACCEPTED, PENDING = "accepted", "not_accepted", "pending"


@dataclass(frozen=True)
class DemoOutcome:
    """How a system demo's items were received."""

    shown: int
    accepted: int
    not_accepted: int
    pending: int

    @property
    def words(self) -> str:
        """ "5 shown · 4 accepted · 1 not accepted" (the undecided ones only when there are)."""
        if not self.shown:
            return "nothing shown"
        parts = [f"{self.shown} shown", f"{self.accepted} accepted"]
        if self.not_accepted:
            parts.append(f"{self.not_accepted} not accepted")
        if self.pending:
            parts.append(f"{self.pending} not decided")
        return " · ".join(parts)


def demo_outcome(outcomes: Iterable[str]) -> DemoOutcome:
    """Tally a demo's items by outcome. Example: accepted ×4, not_accepted ×1 →
    "5 shown · 4 accepted · 1 not accepted"."""
    values = list(outcomes)
    return DemoOutcome(
        shown=len(values),
        accepted=values.count(ACCEPTED),
        not_accepted=values.count(NOT_ACCEPTED),
        pending=values.count(PENDING),
    )


def ip_iteration_refusal(iteration_name: str) -> str:
    """Why an IP iteration has no system demo (product rule: one per development iteration)."""
    return (
        f"{iteration_name} is the IP iteration: a system demo closes each development iteration, "
        "and the IP iteration's increment is shown at Inspect & Adapt"
    )
