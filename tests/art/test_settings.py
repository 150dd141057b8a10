"""The settings' environment contract: nothing set → SQLite and in-process tasks; DATABASE_URL →
PostgreSQL with psycopg's pool; REDIS_URL → Celery broker and cache; production refuses to start
without its secrets and passes `check --deploy`."""

import importlib.util
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENV_VARS = [
    "DATABASE_URL",
    "REDIS_URL",
    "SQLITE_PATH",
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "DJANGO_DEBUG",
]


def base_settings(monkeypatch, **env: str) -> dict:
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    # A fresh copy of the module, read with this environment; Django's own settings stay as they are.
    spec = importlib.util.spec_from_file_location("settings_probe", ROOT / "art" / "settings" / "base.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return vars(module)


def run_django(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ENV_VARS and not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120
    )


def test_no_environment_means_sqlite_and_in_process_tasks(monkeypatch):
    s = base_settings(monkeypatch)
    assert s["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert s["DATABASES"]["default"]["NAME"] == str(ROOT / "railyard.sqlite3")
    assert s["CELERY_TASK_ALWAYS_EAGER"] is True
    assert s["CELERY_BROKER_URL"] == "memory://"
    assert s["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")
    assert s["DEBUG"] is False


def test_database_url_means_postgresql_with_a_pool(monkeypatch):
    s = base_settings(
        monkeypatch, DATABASE_URL="postgres://railyard:pw@db:5432/railyard", DATABASE_POOL_MAX="20"
    )
    db = s["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["HOST"], db["NAME"], db["USER"]) == ("db", "railyard", "railyard")
    assert db["OPTIONS"]["pool"]["max_size"] == 20
    assert db["CONN_MAX_AGE"] == 0  # a pool and persistent connections do not mix


def test_redis_url_means_celery_broker_and_cache(monkeypatch):
    s = base_settings(monkeypatch, REDIS_URL="redis://cache:6379/0")
    assert s["CELERY_BROKER_URL"] == "redis://cache:6379/0"
    assert s["CELERY_TASK_ALWAYS_EAGER"] is False
    assert s["CACHES"]["default"] == {
        "BACKEND": "art.cache.ResilientRedisCache",  # fails soft: tests/art/api/test_cache.py
        "LOCATION": "redis://cache:6379/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
    }


def test_beat_schedule_runs_the_pi_calendar_hourly_and_metrics_nightly(monkeypatch):
    from art.celery import app

    schedule = base_settings(monkeypatch)["CELERY_BEAT_SCHEDULE"]
    assert schedule["pi-advance-states"]["task"] == "art.tasks.pi_advance_states"
    assert schedule["metrics-recompute-nightly"]["task"] == "metrics.tasks.recompute_all_nightly"
    # every scheduled task exists: a typo would only show as an error in the worker's log
    app.loader.import_default_modules()
    assert {entry["task"] for entry in schedule.values()} <= set(app.tasks)


def test_readme_documents_every_environment_variable_the_settings_read():
    pattern = r"""(?:env|env_bool|env_list|required)\(\s*["']([A-Z0-9_]+)["']"""
    names = set()
    for path in (ROOT / "art" / "settings").glob("*.py"):
        names |= set(re.findall(pattern, path.read_text()))
    readme = (ROOT / "README.md").read_text()
    assert names
    assert not {name for name in names if f"`{name}`" not in readme}


def production_env(**overrides: str) -> dict[str, str]:
    env = {
        "DJANGO_SETTINGS_MODULE": "art.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "railyard.example.com",
        "DATABASE_URL": "postgres://railyard@127.0.0.1:5432/railyard",
    }
    env.update(overrides)
    return {k: v for k, v in env.items() if v}


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL"])
def test_production_refuses_to_start_without_a_secret(missing):
    result = run_django("-c", "import django; django.setup()", **production_env(**{missing: ""}))
    assert result.returncode != 0
    assert f"{missing} must be set in production" in result.stderr


def test_production_passes_the_deployment_checklist():
    result = run_django("manage.py", "check", "--deploy", "--fail-level", "WARNING", **production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_static_files_build_with_the_vendored_libraries(tmp_path, settings):
    # given production's storage: compressed files with hashed names, as the image builds them
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "art.storage.StaticFilesStorage"}}
    # when collectstatic runs
    call_command("collectstatic", "--noinput", verbosity=0)
    # then every file has its hashed copy, and the vendored charts library is among them
    manifest = (tmp_path / "staticfiles.json").read_text()
    assert "vendor/chartjs/chart.umd.min.js" in manifest
    assert list(tmp_path.glob("css/app.*.css.gz"))


@pytest.mark.parametrize(("public", "expected"), [("", "IsAuthenticated"), ("true", "AllowAny")])
def test_production_keeps_the_api_docs_behind_sign_in_unless_published(public, expected):
    code = (
        "import django; django.setup(); from drf_spectacular.settings import spectacular_settings as s; "
        "print([p.__name__ for p in s.SERVE_PERMISSIONS])"
    )
    result = run_django("-c", code, **production_env(RAILYARD_PUBLIC_API_DOCS=public))
    assert result.returncode == 0, result.stderr
    assert expected in result.stdout
