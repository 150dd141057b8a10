"""Every write of the train's events: `<entity>_<verb>(*, actor, ...)`, atomic, validated,
checked by the access policy, recorded."""

from .calendar import (
    cadence_of,
    cadence_update,
    event_cancel,
    event_create,
    event_delete,
    event_update,
    events_mark_held,
    pi_calendar_generate,
    pi_events_generate,
    pi_events_remove,
)
from .feeds import calendar_feed_regenerate, calendar_feed_token, feed_user
from .impediments import impediment_create, impediment_delete, impediment_update
from .improvements import improvement_item_create, improvement_item_delete, improvement_item_update
from .syncs import (
    action_item_create,
    action_item_delete,
    action_item_update,
    agenda_freeze,
    agendas_freeze_due,
    decision_add,
    decision_delete,
    escalation_add,
    escalation_delete,
)

# --- inspect & adapt
from .workshops import (
    cause_add,
    cause_delete,
    cause_update,
    cause_vote,
    solution_add,
    solution_delete,
    workshop_open,
    workshop_update,
)

# --- improvement backlog and readiness
# isort: split
from .improvements import improvement_item_plan
from .readiness import readiness_check_set

# --- system demos and release notes
# isort: split
from .demos import (
    demo_feedback_add,
    demo_feedback_delete,
    demo_item_add,
    demo_item_move,
    demo_item_remove,
    demo_item_update,
    system_demo_prepare,
    system_demo_update,
)

__all__ = [name for name in dir() if not name.startswith("_")]
