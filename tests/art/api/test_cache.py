"""With Redis down the cache fails soft: reads miss, writes are skipped, requests still serve."""

import pytest
from django.test import override_settings

from art.cache import ResilientRedisCache

DEAD = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_a_cache_whose_redis_is_down_misses_and_skips():
    cache = ResilientRedisCache(DEAD, {"OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}})
    cache.set("a", 1)
    assert cache.get("a") is None and cache.get("a", "default") == "default"
    assert cache.add("b", 1) is False and cache.delete("a") is False
    assert cache.get_many(["a", "b"]) == {}
    assert cache.has_key("a") is False
    with pytest.raises(ValueError):
        cache.incr("a")


def test_the_api_serves_with_redis_down(world, api):
    caches = {
        "default": {
            "BACKEND": "art.cache.ResilientRedisCache",
            "LOCATION": DEAD,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    with override_settings(CACHES=caches):
        api.force_authenticate(world.rte)  # the API's rate limits read and write the cache
        assert api.get("/api/v1/teams/").status_code == 200
