"""The train's core: trains, teams, people and roles, PIs and iterations, features and stories.

One module per topic: base (VersionedModel and the validators of single values), trains (the
train, its teams, team members and memberships), pis (PIs, iterations, milestones, absences),
backlog (features, their transitions, stories), kanban (WIP-limit breaches), history (change
records), tokens (API tokens) and webhooks (subscriptions and their deliveries). Every public
name is re-exported here: the project imports from `art.models` only, and the migrations name
the validators by it (art.models.validate_fibonacci).

Models hold data and invariants (database constraints and clean()); workflows live in
art/services/. Every invariant that a single row can express is a database constraint, so
that no path (admin, API, bulk import) can store a bad value; clean() repeats it with a message
that names the field and the rule, and adds the checks that need other rows.
"""

from .backlog import IP_NO_FEATURE_LOAD, Feature, FeatureState, FeatureTransition, Story
from .base import (
    EARLIEST_DATE,
    FIBONACCI,
    FIBONACCI_RULE,
    LATEST_DATE,
    NumberedCard,
    VersionedModel,
    validate_fibonacci,
    validate_kanban_policies,
    validate_plausible_date,
    validate_time_zone,
    validate_wip_limits,
)
from .history import ChangeRecord
from .kanban import WipBreach
from .live import Presence
from .pis import MAX_PI_DAYS, Absence, Iteration, Milestone, ProgramIncrement, workdays_between
from .tokens import ApiToken
from .trains import Membership, ReleaseTrain, Team, TeamMember
from .webhooks import PING, WEBHOOK_EVENTS, Webhook, WebhookDelivery

__all__ = [
    "EARLIEST_DATE",
    "FIBONACCI",
    "FIBONACCI_RULE",
    "IP_NO_FEATURE_LOAD",
    "LATEST_DATE",
    "MAX_PI_DAYS",
    "PING",
    "WEBHOOK_EVENTS",
    "Absence",
    "ApiToken",
    "ChangeRecord",
    "Feature",
    "FeatureState",
    "FeatureTransition",
    "Iteration",
    "Membership",
    "Milestone",
    "NumberedCard",
    "Presence",
    "ProgramIncrement",
    "ReleaseTrain",
    "Story",
    "Team",
    "TeamMember",
    "VersionedModel",
    "Webhook",
    "WebhookDelivery",
    "WipBreach",
    "validate_fibonacci",
    "validate_kanban_policies",
    "validate_plausible_date",
    "validate_time_zone",
    "validate_wip_limits",
    "workdays_between",
]
