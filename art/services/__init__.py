"""Every write of the train's core. `<entity>_<verb>(*, actor, ...)`: atomic, validated, recorded."""

from .backlog import (
    feature_create,
    feature_delete,
    feature_follow_stories,
    feature_history_import,
    feature_transition_add,
    feature_update,
    story_create,
    story_delete,
    story_move,
    story_update,
)
from .pi import (
    iteration_create,
    iteration_delete,
    iteration_plan,
    iteration_update,
    milestone_create,
    milestone_delete,
    milestone_update,
    pi_advance_states,
    pi_create,
    pi_delete,
    pi_update,
)
from .tokens import api_token_create, api_token_issue, api_token_revoke, api_token_user
from .train import (
    absence_create,
    absence_delete,
    absence_set,
    absence_update,
    membership_create,
    membership_delete,
    membership_update,
    team_create,
    team_delete,
    team_member_capacity_set,
    team_member_create,
    team_member_delete,
    team_member_update,
    team_update,
    train_create,
    train_delete,
    train_update,
)

__all__ = [name for name in dir() if not name.startswith("_")]
