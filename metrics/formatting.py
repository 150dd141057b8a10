"""How the metrics pages write their figures: numbers and percentages with one decimal, days,
"n/a" and "not scored" spelled out, and the 80–100 % predictability band (the API and the CSV
downloads keep two decimals)."""

from __future__ import annotations

from typing import Any

from art import rules

BAND = (80, 100)


def fmt_number(value: float | int | None, decimals: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.{decimals}f}"


def fmt_percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} %"


def fmt_days(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1f} day{'s' if value != 1 else ''}"


def predictability_text(result: rules.predictability.PredictabilityResult) -> str:
    """The page's words for a predictability result: "93.3 %", "n/a" or "not scored"."""
    return fmt_percent(result.percent) if result.status == "ok" else result.status


def predictability_csv(result: rules.predictability.PredictabilityResult) -> Any:
    return result.percent if result.status == "ok" else result.status


def band_of(percent: float | None) -> tuple[str, str, str]:
    """(tone, icon, words) for a predictability against the 80–100 % target band."""
    if percent is None:
        return ("neutral", "info", "no figure")
    if percent < BAND[0]:
        return ("risk", "alert", "below the 80–100 % band")
    if percent > BAND[1]:
        return ("healthy", "check-circle", "above 100 %: stretch")
    return ("healthy", "check-circle", "in the 80–100 % band")
