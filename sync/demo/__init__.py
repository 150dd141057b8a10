"""Seed steps of the train events: found by art.demo's autodiscovery of `<app>/demo`."""

# --- impediments
from sync.demo import impediments
