"""Seed steps of PI planning, found by art.demo's autodiscovery of `<app>/demo`: one module per
concept, each registering its own step (run in order of their numbers)."""

from pi_planning.demo import board, dependencies, objectives, risks, votes
