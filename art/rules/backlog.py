"""The ranked backlog: WSJF (docs/domain.md, "WSJF")."""

from __future__ import annotations

# --- WSJF ------------------------------------------------------------------------------------


def wsjf(user_business_value: int, time_criticality: int, risk_reduction: int, job_size: int) -> float:
    """Cost of delay ÷ job size. The database derives the same figure (Feature.wsjf) for SQL
    ordering; this function is the reference the tests hold it to."""
    return (user_business_value + time_criticality + risk_reduction) / job_size
