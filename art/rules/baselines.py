"""Plan baselines: what changed since the committed plan (docs/domain.md, "Plan baseline")."""

from __future__ import annotations

from dataclasses import dataclass

# --- Plan baselines --------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanChange:
    kind: str  # "feature" or "story"
    id: int
    change: str  # "added", "removed", "moved"
    before: dict | None
    after: dict | None


def plan_changes(baseline: dict, current: dict) -> list[PlanChange]:
    """What changed since the committed plan: cards added, removed, or moved (another team or
    iteration). Both arguments map kind -> {id (str): {"team": id, "iteration": id, ...}}."""
    changes: list[PlanChange] = []
    for kind in ("features", "stories"):
        before, after = baseline.get(kind, {}), current.get(kind, {})
        label = kind[:-1] if kind == "features" else "story"
        for key in sorted(set(before) | set(after), key=lambda k: int(k)):
            b, a = before.get(key), after.get(key)
            if b is None:
                changes.append(PlanChange(label, int(key), "added", None, a))
            elif a is None:
                changes.append(PlanChange(label, int(key), "removed", b, None))
            elif (b.get("team"), b.get("iteration")) != (a.get("team"), a.get("iteration")):
                changes.append(PlanChange(label, int(key), "moved", b, a))
    return changes
