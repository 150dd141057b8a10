"""A database outage answers 503 with Retry-After at once (JSON under /api/), never a 500 or a
hang; after a PostgreSQL restart the pool hands out no dead connection."""

import psycopg
import pytest
from django.conf import settings
from django.db import OperationalError, connection

from art.outage import UNAVAILABLE


def failing(*args, **kwargs):
    raise OperationalError("connection refused")


def test_a_page_answers_503_when_the_database_is_away(world, client, monkeypatch):
    from art.views import trains

    monkeypatch.setattr(trains, "train_context", failing)
    client.force_login(world.rte)
    response = client.get(f"/trains/{world.train.slug}/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert UNAVAILABLE in response.content.decode()


def test_the_api_answers_503_in_json_when_the_database_is_away(world, as_user, monkeypatch):
    from art.api import views

    monkeypatch.setattr(views.TeamViewSet, "list", failing)
    response = as_user(world.rte).get("/api/v1/teams/")
    assert response.status_code == 503
    assert response.json() == {"detail": UNAVAILABLE}
    assert response["Retry-After"] == "5"


@pytest.mark.django_db(transaction=True)
def test_after_the_database_drops_every_connection_the_next_request_succeeds(client):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL and its connection pool (set DATABASE_URL)")
    # The test client keeps the thread's connection open between requests; a served request
    # gives it back to the pool at its end, as connection.close() does here.
    assert client.get("/healthz").status_code == 200
    connection.close()
    db = settings.DATABASES["default"]
    with psycopg.connect(
        host=db["HOST"],
        port=db["PORT"],
        user=db["USER"],
        password=db["PASSWORD"],
        dbname=connection.settings_dict["NAME"],
        autocommit=True,
    ) as admin:
        killed = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()[0]
    assert killed >= 1
    for _ in range(5):
        response = client.get("/healthz")
        assert response.status_code == 200, response.json()
        connection.close()
