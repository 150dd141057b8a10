"""A Redis cache that fails soft: when Redis does not answer, a read is a miss and a write is
skipped (logged once a minute), so pages and the API keep serving with Redis down. The cache
holds nothing that must survive: API rate-limit counters and computed fragments. (The sign-in
pauses live in the database, not here.)"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
_last_warning = 0.0


def _warn(exc: Exception) -> None:
    global _last_warning
    now = time.monotonic()
    if now - _last_warning > 60:
        _last_warning = now
        logger.warning("cache unavailable, serving without it: %s", exc)


class ResilientRedisCache(RedisCache):
    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        try:
            return super().get(key, default, version)
        except RedisError as exc:
            _warn(exc)
            return default

    def get_many(self, keys: Any, version: Any = None) -> dict:
        try:
            return super().get_many(keys, version)
        except RedisError as exc:
            _warn(exc)
            return {}

    def set(self, key: Any, value: Any, timeout: Any = None, version: Any = None) -> None:  # type: ignore[override]
        try:
            super().set(key, value, timeout, version)
        except RedisError as exc:
            _warn(exc)

    def set_many(self, data: Any, timeout: Any = None, version: Any = None) -> list:
        try:
            return super().set_many(data, timeout, version)
        except RedisError as exc:
            _warn(exc)
            return list(data)

    def add(self, key: Any, value: Any, timeout: Any = None, version: Any = None) -> bool:  # type: ignore[override]
        try:
            return super().add(key, value, timeout, version)
        except RedisError as exc:
            _warn(exc)
            return False

    def delete(self, key: Any, version: Any = None) -> bool:
        try:
            return super().delete(key, version)
        except RedisError as exc:
            _warn(exc)
            return False

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        try:
            return super().incr(key, delta, version)
        except RedisError as exc:
            _warn(exc)
            raise ValueError(f"Key '{key}' not found") from exc

    def has_key(self, key: Any, version: Any = None) -> bool:
        try:
            return super().has_key(key, version)
        except RedisError as exc:
            _warn(exc)
            return False
