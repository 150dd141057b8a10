"""Card keys (docs/domain.md, "Card keys"): the one way a feature, story or dependency is named
on every page, export, snapshot and message. A card's key is its external key when an
integration set one, else a letter and the card's number within its train (F-1, S-1, D-1):
numbers count up per train and are never reused, so a key names one card for good.
"""

from __future__ import annotations

import re

FEATURE, STORY, DEPENDENCY = "F", "S", "D"

_KEY = re.compile(r"^\s*([FSD])-(\d{1,9})\s*$", re.IGNORECASE)


def card_key(kind: str, number: int | None, external_key: str | None = None) -> str:
    """`card_key("F", 12)` is "F-12"; an external key wins: `card_key("F", 12, "PAY-7")` is "PAY-7"."""
    return external_key or f"{kind}-{number}"


def parse_card_key(text: str, kind: str) -> int | None:
    """The number in a key of this kind typed by a person ("f-12" → 12), else None."""
    match = _KEY.match(text or "")
    if match is None or match.group(1).upper() != kind:
        return None
    return int(match.group(2))
