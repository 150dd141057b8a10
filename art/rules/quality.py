"""Defect escape rate (docs/domain.md, "Program-level metrics")."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from art.rules.stats import percent

# --------------------------------------------------------------------------------------------
# Defect escape rate
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EscapeRate:
    defects: int
    escaped: int
    percent: float | None


def defect_escape_rate(found_after_release: Iterable[bool]) -> EscapeRate:
    """Defects found after release ÷ all defects, as a percentage. The input has one flag per
    defect (features of kind ``defect`` in the period): ``True`` if it was found after release.
    ``percent`` is ``None`` when there are no defects."""
    flags = [bool(flag) for flag in found_after_release]
    escaped = sum(flags)
    return EscapeRate(defects=len(flags), escaped=escaped, percent=percent(escaped, len(flags)))
