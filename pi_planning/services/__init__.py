"""Every write of PI planning: `<entity>_<verb>(*, actor, ...)`, atomic, validated, recorded."""

from .baselines import plan_baseline_commit, plan_snapshot
from .board import board_card_move, board_move_refusal
from .capacity import holiday_create, holiday_delete, holiday_update
from .dependencies import (
    dependency_comment_add,
    dependency_create,
    dependency_delete,
    dependency_set_state,
    dependency_update,
)
from .objectives import objective_create, objective_delete, objective_link_features, objective_update
from .risks import risk_create, risk_delete, risk_roam, risk_update
from .votes import vote_cast, vote_concern_to_risk, vote_place, vote_round_open, vote_round_reveal

__all__ = [name for name in dir() if not name.startswith("_")]
