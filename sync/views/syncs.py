"""The ART sync's own page (agenda and minutes): not built on this branch. `sync_page` answers
None, and sync.views.calendar.event shows the generic event page instead."""

from __future__ import annotations

from typing import Any


def sync_page(request: Any, train: Any, event: Any) -> Any:
    return None
