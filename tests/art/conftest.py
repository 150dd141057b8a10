"""Fixtures of the train's core tests: a real-shaped Jira CSV export and a train it imports into."""

from pathlib import Path

import pytest

from art.models import Story
from tests.art.factories import FeatureFactory, StoryFactory, TeamFactory

#: A Jira export with a byte order mark, two Sprint columns, a two-line summary and odd rows
#: (tests/art/test_jira_import.py works its preview out by hand).
EXPORT = (Path(__file__).parent / "fixtures" / "jira_export.csv").read_bytes()


@pytest.fixture
def jira_world(world):
    checkout = TeamFactory(train=world.train, name="Checkout")
    payments = TeamFactory(train=world.train, name="Payments")
    fraud = FeatureFactory(
        train=world.train, pi=world.pi, team=payments, title="Fraud engine", external_key="PAY-1"
    )
    existing = StoryFactory(
        team=checkout,
        feature=fraud,
        title="Existing story",
        external_key="PAY-20",
        points=3,
        state=Story.State.TODO,
        iteration=world.pi.iterations.get(number=1),
    )
    world.checkout, world.payments, world.fraud, world.existing = checkout, payments, fraud, existing
    return world
