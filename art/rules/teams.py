"""Team initials: the short code a card, a chip and a board row show for a team, unique within a
train (docs/domain.md, "Team initials")."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

INITIALS_RULE = (
    "A team's initials are its abbreviation, else the first letters of its first two words (or the "
    "first two letters of a one-word name). Within a train they are unique: teams that would share "
    "them take, in this order, the first letters of all their words (PC2), one more letter of the "
    "last word used (CPo, CPl), one more of the first word (CaP, ClP), or a number in name order (CP1, CP2)."
)


def _words(name: str) -> list[str]:
    return [w for w in name.replace("-", " ").split() if w[:1].isalnum()]


def person_initials(name: str) -> str:
    """Two letters for a person's avatar: the first letters of the first and last words of their
    name (dots and underscores of a username count as spaces), else its first two letters."""
    parts = [p for p in name.replace(".", " ").replace("_", " ").split() if p]
    if len(parts) >= 2:
        return (parts[0][0] + parts[-1][0]).upper()
    return name[:2].upper()


def team_initials(name: str, abbreviation: str = "") -> str:
    """A team's own initials, before they are made unique within its train."""
    if abbreviation:
        return abbreviation.upper()
    words = _words(name)
    if len(words) >= 2:
        return (words[0][0] + words[1][0]).upper()
    return name[:2].upper()


def _candidates(name: str) -> list[str]:
    """Longer and longer initials for a derived name, each a step more of the name."""
    words = _words(name) or [name]
    first = words[0]
    if len(words) == 1:
        # "Billing" -> BI, BIl, BIll
        head = first[:2].upper()
        return [head, head, head + first[2:3].lower(), head + first[2:4].lower()]
    second = words[1]
    every = "".join(w[0] for w in words[:4]).upper()
    return [
        (first[0] + second[0]).upper(),
        every,
        (first[0] + second[0]).upper() + second[1:2].lower(),
        first[0].upper() + first[1:2].lower() + second[0].upper(),
    ]


def unique_initials(names: Iterable[str], abbreviations: Mapping[str, str] | None = None) -> dict[str, str]:
    """The initials of each team of a train by name (names are unique within a train), no two alike
    (compared without case). A team keeps its own initials unless another team has the same; a
    group that shares them takes the first step of _candidates at which every member differs from
    the others and from every team outside the group; failing all, its own initials and a number in
    name order. A lone abbreviation set by hand in a group keeps it. The answer depends on the set
    of teams only, not on their order."""
    abbreviations = abbreviations or {}
    names = sorted(set(names))
    own = {n: team_initials(n, abbreviations.get(n, "")) for n in names}
    groups: dict[str, list[str]] = {}
    for n in names:
        groups.setdefault(own[n].upper(), []).append(n)
    result = {n: own[n] for n in names if len(groups[own[n].upper()]) == 1}
    for key in sorted(k for k, members in groups.items() if len(members) > 1):
        members = groups[key]
        manual = [n for n in members if abbreviations.get(n)]
        fixed = manual if len(manual) == 1 else []
        for n in fixed:
            result[n] = own[n]
        movers = [n for n in members if n not in fixed]
        taken = {v.upper() for n, v in result.items() if n not in movers}
        # Initials other groups still have to settle on: a step here may not take them either.
        taken |= {k for k in groups if k != key}
        chosen: dict[str, str] | None = None
        for step in range(1, 4):
            trial = {n: _candidates(n)[step] if not abbreviations.get(n) else own[n] for n in movers}
            values = [v.upper() for v in trial.values()]
            if len(set(values)) == len(values) and not set(values) & taken:
                chosen = trial
                break
        if chosen is None:
            chosen, number = {}, 0
            for n in movers:
                number += 1
                while f"{own[n]}{number}".upper() in taken:
                    number += 1
                chosen[n] = f"{own[n]}{number}"
        result.update(chosen)
    return result
