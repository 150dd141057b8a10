"""ROAM: how a risk moves between Un-ROAMed, Resolved, Owned, Accepted and Mitigated
(docs/domain.md, "ROAM")."""

from __future__ import annotations

# --- ROAM ------------------------------------------------------------------------------------

ROAM_RULE = (
    "Every new risk starts un-ROAMed. Any risk may move to Resolved; Owned, Accepted and Mitigated move "
    "among themselves. Owned and Mitigated need an owner; Mitigated a mitigation plan."
)
_ROAM_MOVES = {
    "unroamed": {"resolved", "owned", "accepted", "mitigated"},
    "owned": {"resolved", "accepted", "mitigated"},
    "accepted": {"resolved", "owned", "mitigated"},
    "mitigated": {"resolved", "owned", "accepted"},
    "resolved": set(),
}


def roam_move_allowed(current: str, target: str) -> bool:
    return target in _ROAM_MOVES.get(current, set())


def roam_refusal(current: str, target: str, *, owner: str = "", mitigation_plan: str = "") -> str | None:
    """Why a risk may not move from `current` to `target`, or None if it may."""
    labels = {
        "unroamed": "Un-ROAMed",
        "resolved": "Resolved",
        "owned": "Owned",
        "accepted": "Accepted",
        "mitigated": "Mitigated",
    }
    if target not in labels:
        return f"roam must be one of {', '.join(labels)}"
    if current == target:
        return None
    if target == "unroamed":
        return "a risk cannot go back to Un-ROAMed"
    if current == "resolved":
        return "a Resolved risk stays resolved: raise a new risk instead"
    if not roam_move_allowed(current, target):
        return f"{labels[current]} cannot move to {labels[target]}"
    if target in ("owned", "mitigated") and not (owner or "").strip():
        return f"{labels[target]} needs an owner"
    if target == "mitigated" and not (mitigation_plan or "").strip():
        return "Mitigated needs a mitigation plan"
    return None
