"""Seed steps of the train's events, found by art.demo's autodiscovery of `<app>/demo`: one
module per concept, each registering its own step (run in order of their numbers)."""

from sync.demo import calendar, demos, impediments, readiness, syncs, workshops  # registers the steps
