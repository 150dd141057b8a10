"""What the planning board shows beside its grid, from its data (pi_board_data): the rows of
the changes since the committed plan, and one card of the board by kind and id."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from art.models import Feature, ProgramIncrement, Story
from pi_planning.selectors.board import (
    CHANGE_LABELS,
    BoardData,
    feature_dom_id,
    story_dom_id,
)


def change_rows(board: BoardData) -> list[dict]:
    """The changes since the baseline as rows for the list and the CSV: what, where before,
    where now (names, not ids)."""
    teams, iterations = board.team_by_id, board.iteration_by_id
    snapshot = board.baseline.snapshot if board.baseline else {}

    def where(place: dict[str, Any] | None) -> str:
        if not place:
            return "—"
        team = teams.get(place["team"]) if place.get("team") else None
        iteration = iterations.get(place["iteration"]) if place.get("iteration") else None
        return f"{team.name if team else 'No team'} · {iteration.name if iteration else 'Not planned'}"

    cards: dict[tuple[str, int], Feature | Story] = {("feature", f.pk): f for f in board.features}
    cards.update({("story", s.pk): s for s in board.stories})
    rows = []
    for change in board.changes:
        card = cards.get((change.kind, change.id))
        before = snapshot.get("features" if change.kind == "feature" else "stories", {}).get(
            str(change.id), {}
        )
        key = card.key if card is not None else before.get("key") or f"{change.kind} {change.id}"
        title = card.title if card is not None else before.get("title", "")
        rows.append(
            {
                "kind": change.kind,
                "id": change.id,
                "key": key,
                "title": title,
                "change": change.change,
                "label": CHANGE_LABELS[change.change],
                "before": where(change.before),
                "after": where(change.after),
                "dom_id": (feature_dom_id if change.kind == "feature" else story_dom_id)(change.id)
                if card is not None
                else "",
            }
        )
    return rows


def board_card(*, pi: ProgramIncrement, kind: str, card_id: int) -> Feature | Story:
    """A feature or story of the PI's train (404 otherwise), with what says which PI it belongs
    to loaded (art.services.backlog.card_pi)."""
    card: Feature | Story | None
    if kind == "feature":
        card = Feature.objects.filter(train_id=pi.train_id, pk=card_id).select_related("pi").first()
    else:
        card = (
            Story.objects.filter(train_id=pi.train_id, pk=card_id)
            .select_related("iteration__pi", "feature__pi")
            .first()
        )
    if card is None:
        raise Http404(f"No such {kind}: it may have been deleted meanwhile")
    return card
