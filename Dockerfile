# Railyard's one image: the web tier (gunicorn), the Celery worker and beat, and migrations.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=art.settings.production \
    WEB_CONCURRENCY=2

WORKDIR /app

# The exact versions and hashes CI tested (psycopg's binary wheel brings its own libpq).
COPY requirements.lock ./
RUN python -m venv "$VIRTUAL_ENV" \
 && pip install --require-hashes -r requirements.lock

COPY . .

# Static files are built into the image (WhiteNoise serves them, hashed and compressed); the
# settings need their secrets to load, so give them throwaway ones for this step only.
RUN DJANGO_SECRET_KEY=collectstatic-only-not-a-secret DJANGO_ALLOWED_HOSTS=build \
    DATABASE_URL=postgres://build@localhost/build \
    python manage.py collectstatic --noinput --verbosity 0 \
 && useradd --system --uid 10001 --no-create-home --home-dir /app railyard

USER railyard
EXPOSE 8000

# daphne serves the ASGI application: pages, the API and the live-update sockets. One process per
# container; scale with replicas (docker compose: WEB_REPLICAS). --proxy-headers: behind the proxy.
CMD ["daphne", "--bind", "0.0.0.0", "--port", "8000", "--proxy-headers", \
     "--http-timeout", "60", "--access-log", "-", "art.asgi:application"]
