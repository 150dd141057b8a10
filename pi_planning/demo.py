"""Seed steps of PI planning, found by art.demo's autodiscovery of `<app>/demo.py`. Each part of
the app registers its steps in its own module, imported here."""

from pi_planning import (
    demo_board,  # noqa: F401  (the planning board: holidays, dependencies, baseline)
    demo_cards,  # noqa: F401  (objectives, votes, dependency lifecycle, risks)
)
