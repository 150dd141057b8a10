"""Seed steps of the train events: found by art.demo's autodiscovery of `<app>/demo`."""

from sync.demo import calendar
