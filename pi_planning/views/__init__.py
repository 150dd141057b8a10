"""Pages of PI planning, one module per concept: board, backlog, baselines, capacity,
objectives, votes, dependencies and risks; common.py holds what they share."""
