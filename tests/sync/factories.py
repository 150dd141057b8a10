"""factory_boy factories of the train's events."""

import factory

from sync.models import Impediment
from tests.art.factories import TrainFactory


class ImpedimentFactory(factory.django.DjangoModelFactory):
    """An open impediment of the whole train (pass `team`, `created_at`, ... as needed)."""

    class Meta:
        model = Impediment

    train = factory.SubFactory(TrainFactory)
    title = factory.Sequence(lambda n: f"Impediment {n}")
    category = Impediment.Category.ENVIRONMENT


# --- improvement backlog and readiness
class ImprovementItemFactory(factory.django.DjangoModelFactory):
    """An open improvement item written directly (pass `workshop`, `target_pi`, ... as needed)."""

    class Meta:
        model = "sync.ImprovementItem"

    train = factory.SubFactory(TrainFactory)
    title = factory.Sequence(lambda n: f"Improvement {n}")
