"""The train's events: the weekly cadence and its calendar (sync.models.calendar), and the
iteration and PI events beyond it (sync.models.improvement)."""

from .calendar import (
    ActionItem,
    AgendaSnapshot,
    CalendarFeed,
    Decision,
    Escalation,
    Event,
    Impediment,
    SyncCadence,
    default_sync_weekdays,
    validate_sync_weekdays,
)
from .improvement import (
    Cause,
    CauseVote,
    DemoFeedback,
    DemoItem,
    ImprovementItem,
    ReadinessCheck,
    Solution,
    SystemDemo,
    Workshop,
)

__all__ = [
    "ActionItem",
    "AgendaSnapshot",
    "CalendarFeed",
    "Cause",
    "CauseVote",
    "Decision",
    "DemoFeedback",
    "DemoItem",
    "Escalation",
    "Event",
    "Impediment",
    "ImprovementItem",
    "ReadinessCheck",
    "Solution",
    "SyncCadence",
    "SystemDemo",
    "Workshop",
    "default_sync_weekdays",
    "validate_sync_weekdays",
]
