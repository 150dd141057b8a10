"""Every rule the product computes, as pure functions over plain data: no Django, no database.

Selectors load the inputs in a bounded number of queries and call these functions; pages, the
API, exports and tasks all show what these return, so each figure has one source. docs/domain.md
states each rule with a worked example and names the function here that implements it.

`art.rules` sits below every app (art, pi_planning, metrics, sync), so any of them may import
it and none has to import another app for a rule.
"""

from . import (
    backlog,
    baselines,
    capacity,
    dependencies,
    events,
    flow,
    forecast,
    kanban,
    keys,
    predictability,
    quality,
    readiness,
    releases,
    risks,
    stats,
    syncs,
    teams,
    votes,
    webhooks,
    workshops,
)

__all__ = [
    "backlog",
    "baselines",
    "capacity",
    "dependencies",
    "events",
    "flow",
    "forecast",
    "kanban",
    "keys",
    "predictability",
    "quality",
    "readiness",
    "releases",
    "risks",
    "stats",
    "syncs",
    "teams",
    "votes",
    "webhooks",
    "workshops",
]
