"""`/healthz` asks the database, the cache and the broker, and names the part that failed."""

import pytest
from django.test import override_settings

from art import health


@pytest.mark.django_db
def test_healthz_answers_200_when_every_part_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok" and body["checks"]["cache"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_names_the_database_when_it_fails(client, monkeypatch):
    def down():
        raise ConnectionError("connection refused")

    monkeypatch.setitem(health.CHECKS, "database", down)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["database"]
    assert body["checks"]["database"] == "failed: ConnectionError: connection refused"
    assert body["checks"]["cache"] == "ok"


@pytest.mark.django_db
@override_settings(CELERY_TASK_ALWAYS_EAGER=False)
def test_healthz_names_the_broker_when_redis_does_not_answer(client, monkeypatch):
    from art.celery import app

    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["broker"]
