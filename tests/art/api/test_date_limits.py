"""Every time a client sends lies between 1990-01-01 and 2199-12-31: year 1 is refused with the
field named, on every resource that takes a creation time, and a train back-dated to the limit
still recomputes its metrics (no overflow, a bounded number of rows)."""

import pytest

from art.models import Feature
from metrics import services as metric_services
from pi_planning.models import Dependency, Risk
from sync.models import Impediment

YEAR_ONE = "0001-01-01T00:00:00Z"
LIMIT = "1990-01-01T00:00:00Z"
RANGE = "dates must lie between 1990-01-01 and 2199-12-31: {} is out of range"


def bodies(world):
    iteration = world.pi.iterations.order_by("number")[2]
    return {
        "features": ({"train": world.train.pk, "title": "Old"}, Feature),
        "dependencies": (
            {
                "pi": world.pi.pk,
                "requester_team": world.team.pk,
                "provider_team": world.other_team.pk,
                "needed_by": iteration.pk,
                "title": "Old",
            },
            Dependency,
        ),
        "risks": ({"train": world.train.pk, "pi": world.pi.pk, "title": "Old"}, Risk),
        "impediments": ({"train": world.train.pk, "title": "Old"}, Impediment),
    }


@pytest.mark.parametrize("path", ["features", "dependencies", "risks", "impediments"])
def test_a_creation_time_in_year_one_is_refused_naming_the_field(world, as_user, path):
    body, model = bodies(world)[path]
    before = model.objects.count()
    response = as_user(world.rte).post(f"/api/v1/{path}/", {**body, "created_at": YEAR_ONE}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["created_at"] == [RANGE.format("created_at")]
    assert model.objects.count() == before


def test_a_transition_in_year_one_is_refused(world, as_user):
    feature = Feature.objects.create(train=world.train, title="F")
    response = as_user(world.rte).post(
        f"/api/v1/features/{feature.pk}/transitions/",
        {"state": "analyzing", "at": YEAR_ONE, "version": feature.version},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["at"] == [RANGE.format("at")]


def test_a_train_back_dated_to_the_limit_still_recomputes(world, as_user):
    api = as_user(world.rte)
    for path in ("features", "risks", "impediments"):
        body, _ = bodies(world)[path]
        response = api.post(f"/api/v1/{path}/", {**body, "created_at": LIMIT}, format="json")
        assert response.status_code == 201, (path, response.content)
    result = metric_services.recompute_snapshots(train_id=world.train.pk)
    # three years of days at most, whatever the back-dating (metrics.selectors.MAX_SNAPSHOT_DAYS)
    assert 0 < result.days <= 1096
