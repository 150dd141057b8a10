"""What the rule tests share: instants in May 2026 and feature histories built from them."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from art.rules.flow import FeatureHistory

BERLIN = ZoneInfo("Europe/Berlin")  # UTC+2 in May 2026 (summer time)


def at(day: int, hour: float = 0, month: int = 5) -> datetime:
    """A UTC instant in 2026: `at(3, 12)` is 3 May 2026 12:00 UTC."""
    return datetime(2026, month, day, tzinfo=UTC) + timedelta(hours=hour)


def feature(fid, *transitions, kind="business", points=None, created=None) -> FeatureHistory:
    """transitions: (state, datetime) pairs; created defaults to the first transition."""
    return FeatureHistory(
        id=fid, kind=kind, points=points, created_at=created or transitions[0][1], transitions=transitions
    )
