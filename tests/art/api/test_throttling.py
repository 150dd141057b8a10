"""API rate limits: over the rate, 429 in JSON with Retry-After; per person, not per train."""

import pytest
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle


@pytest.fixture
def low_rates(monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/min", "user": "3/min"})
    cache.clear()
    yield
    cache.clear()


def test_a_person_over_the_rate_gets_429_with_retry_after(world, as_user, low_rates):
    api = as_user(world.rte)
    codes = [api.get("/api/v1/teams/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = api.get("/api/v1/teams/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Request was throttled" in response.json()["detail"]
    # another person still gets through
    assert as_user(world.viewer).get("/api/v1/teams/").status_code == 200


def test_anonymous_callers_are_counted_by_address(world, api, low_rates):
    body = {"username": "rte", "password": "wrong"}
    codes = [api.post("/api/v1/auth/token/", body, format="json").status_code for _ in range(3)]
    assert codes == [400, 400, 429]
