"""Tests: fast hashing, in-memory SQLite unless DATABASE_URL says PostgreSQL; Redis as cache
when REDIS_URL is set, but tasks always run in-process (the round trip through a real broker
and worker is tests/art/test_celery_roundtrip.py, which turns eager mode off for itself)."""

import os

from .base import *
from .base import CACHES, DATABASES, REST_FRAMEWORK

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEBUG = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["NAME"] = ":memory:"
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE"}
else:
    # Tests open and close connections across threads (live_server); keep the pool small.
    DATABASES["default"]["OPTIONS"]["pool"].update({"min_size": 1, "max_size": 8, "timeout": 20})
# A queued task runs at once, in the test, whatever the broker: tests see its effect.
CELERY_TASK_ALWAYS_EAGER = True
# Work that talks to another host (webhooks) runs inline in tests, in a thread on the embedded default.
RAILYARD_BACKGROUND_INLINE = True
CELERY_TASK_EAGER_PROPAGATES = True
# Live updates stay in the test process (in-memory channel layer) even with REDIS_URL: parallel
# test processes would otherwise hear each other's trains, whose ids are the same in every test
# database. The layer over Redis is tested between real servers (tests/art/test_live_processes.py).
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# Parallel test processes (xdist workers, other checkouts) may share one Redis: keep apart.
CACHES["default"]["KEY_PREFIX"] = f"railyard-test-{os.getpid()}"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
# Tests make thousands of API calls a minute from one address: the rates are tested on their own
# (tests/art/api/test_throttling.py), not met by accident.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"anon": "1000000/min", "user": "1000000/min"},
}
# Webhook retries wait for nothing (eager tasks never sleep, but a worker would).
RAILYARD_WEBHOOKS_RETRY_SECONDS = 0
# Tests build their data with factories, behind the services' back (no history entry, no
# announcement): every read computes. tests/art/test_freshness.py switches the memo on.
RAILYARD_MEMO = False
