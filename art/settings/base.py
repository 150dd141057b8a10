"""Settings shared by every environment, read from the environment.

With no environment at all Railyard runs on the embedded default: a SQLite file next to
manage.py and Celery tasks executed in-process. DATABASE_URL switches to PostgreSQL (psycopg 3
with Django's connection pool), REDIS_URL to Redis as Celery broker and cache.
"""

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


SECRET_KEY = env("DJANGO_SECRET_KEY", "railyard-insecure-development-key-change-me-in-production")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # First: daphne's runserver serves the ASGI application (pages, API and live updates).
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "axes",
    "channels",
    "art",
    "pi_planning",
    "sync",
    "metrics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outside everything that may touch the database: a database outage answers 503 at once.
    "art.outage.OutageMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Pages of a train show times in its zone (art.zones; the API stays in UTC).
    "art.zones.TrainTimeZoneMiddleware",
    "art.refusals.RefusalMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into art.lockout's 429.
    "axes.middleware.AxesMiddleware",
]

# --- Content-Security-Policy (django-csp) -------------------------------------------------------
# Everything comes from this site: no inline script (no nonce needed), no inline style element
# (style attributes are allowed: widths and bar lengths are computed server-side); htmx, the
# board's drag and drop, charts and the docs live with it. The API docs add inline styles.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Personal API tokens (art/services/tokens.py) ---------------------------------------------
# Days a token made by `POST /api/v1/auth/token/` (or `POST tokens/` without expires_at) lasts;
# 0: such tokens never expire. Tokens made on the tokens page expire when their maker chose.
RAILYARD_TOKEN_DEFAULT_DAYS = int(env("RAILYARD_TOKEN_DEFAULT_DAYS", "90") or 0)

# --- Sign-in throttling (django-axes; art/lockout.py) ------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(env("RAILYARD_SIGNIN_FAILURE_LIMIT", "10") or 10)
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(env("RAILYARD_SIGNIN_COOLOFF_MINUTES", "15") or 15))
# Per account and, separately, per address: either one reaching the limit pauses sign-ins.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# Every failed sign-in is kept (admin: Axes › access failures), not only the running count.
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_CALLABLE = "art.lockout.lockout_response"
AXES_HANDLER = "art.lockout.SignInHandler"
# Before the pause, a slow-down: from this failure in a row on (0: never), the next try waits
# 1 s after the last failure, then 2, 4, 8 … seconds, at most RAILYARD_SIGNIN_SLOWDOWN_MAX_SECONDS.
RAILYARD_SIGNIN_SLOWDOWN_FROM = int(env("RAILYARD_SIGNIN_SLOWDOWN_FROM", "3") or 3)
RAILYARD_SIGNIN_SLOWDOWN_MAX_SECONDS = int(env("RAILYARD_SIGNIN_SLOWDOWN_MAX_SECONDS", "60") or 60)
AXES_VERBOSE = False
# Behind the proxy of docker-compose.yml, the client's address is in X-Forwarded-For: set
# RAILYARD_PROXY_COUNT to the number of proxies in front of the web process.
AXES_IPWARE_PROXY_COUNT = int(env("RAILYARD_PROXY_COUNT", "0") or 0) or None
if AXES_IPWARE_PROXY_COUNT:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")

ROOT_URLCONF = "art.urls"
WSGI_APPLICATION = "art.wsgi.application"
ASGI_APPLICATION = "art.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "art.context_processors.railyard",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # psycopg 3's pool, built into Django 5.1+: the reason for psycopg 3 over psycopg2.
        # CONN_MAX_AGE must stay 0 with a pool; the pool keeps the connections.
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options["pool"] = {
            "min_size": int(env("DATABASE_POOL_MIN", "1") or 1),
            "max_size": int(env("DATABASE_POOL_MAX", "10") or 10),
            # Fail fast during an outage (503, art/outage.py) rather than hang.
            "timeout": 5,
        }
        # The pool checks a connection before it hands it out (Django passes psycopg_pool's
        # check_connection): after a PostgreSQL restart it drops the dead ones instead of
        # failing a request with each.
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
        options.setdefault("connect_timeout", 3)
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env("SQLITE_PATH") or str(BASE_DIR / "railyard.sqlite3"),
            "OPTIONS": {
                # WAL and a busy timeout let the dev server and seed_demo share the file.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery -----------------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    # Fails soft (art/cache.py): with Redis down, pages and the API keep serving.
    CACHES = {
        "default": {
            "BACKEND": "art.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    # The embedded default: tasks run in-process, exceptions surface to the caller.
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True

# Computed views of a train (the planning board) kept in the process between requests until the
# train changes (art/freshness.py). RAILYARD_MEMO=0 computes them on every read.
RAILYARD_MEMO = env_bool("RAILYARD_MEMO", True)

# --- Live updates (Django Channels; art/live/) --------------------------------------------------
# A change publishes which parts changed to the train's group; every open page re-renders those
# parts from the server. Several web processes share the groups through Redis; the embedded
# default is one process, so the in-memory layer is enough there.
ASGI_APPLICATION = "art.asgi.application"
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_URL],
                "prefix": env("RAILYARD_LIVE_PREFIX", "railyard-live"),
                "capacity": 500,
                "expiry": 30,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
#: Seconds after the last heartbeat that a browser still counts as having a page open.
RAILYARD_PRESENCE_TTL = int(env("RAILYARD_PRESENCE_TTL", "75") or 75)

#: Webhooks (art.webhooks): deliveries to loopback, link-local and private addresses are refused
#: unless this is on (a receiver inside your own network); each request may take this long
#: (seconds); a failed attempt is retried after RETRY_SECONDS × 2^(attempt − 1) (5 attempts).
RAILYARD_WEBHOOKS_ALLOW_PRIVATE = env_bool("RAILYARD_WEBHOOKS_ALLOW_PRIVATE", False)
RAILYARD_WEBHOOKS_TIMEOUT = float(env("RAILYARD_WEBHOOKS_TIMEOUT", "5") or 5)
RAILYARD_WEBHOOKS_RETRY_SECONDS = float(env("RAILYARD_WEBHOOKS_RETRY_SECONDS", "2") or 2)

CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A broker that does not answer is known within seconds (art/queue.py then runs the task here).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_BEAT_SCHEDULE = {
    # Opens PIs whose start date has come and closes those whose end date has passed.
    "pi-advance-states": {
        "task": "art.tasks.pi_advance_states",
        "schedule": crontab(minute=5, hour="*/1"),
    },
    # Recomputes every train's metric snapshots (metrics.tasks), after midnight in Europe.
    "metrics-recompute-nightly": {
        "task": "metrics.tasks.recompute_all_nightly",
        "schedule": crontab(minute=30, hour=2),
    },
    # Marks events that have ended as held, and freezes the agenda of syncs about to start.
    "sync-events-hourly": {
        "task": "sync.tasks.events_hourly",
        "schedule": crontab(minute=0),
    },
}

# --- Auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "art:my_trains"
LOGOUT_REDIRECT_URL = "login"

# --- I18N -----------------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static ---------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "art.api.authentication.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "art.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "art.api.errors.exception_handler",
    # Per person (or per address when anonymous), counted in the cache: Redis when REDIS_URL is
    # set, so every web process shares the counts. Over the rate: 429 with Retry-After.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("RAILYARD_API_RATE_ANON", "120/min") or "120/min",
        "user": env("RAILYARD_API_RATE_USER", "3000/min") or "3000/min",
    },
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["art.api.parsers.SafeJSONParser"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Railyard API",
    "DESCRIPTION": "REST API v1 of Railyard: trains, PIs, planning board, dependencies, risks and metrics.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "art.api.schema.document_errors",
    ],
    "ENUM_NAME_OVERRIDES": {
        # Several resources have a `state`, `kind` or `role` with their own choices: name each set.
        "FeatureStateEnum": "art.models.FeatureState",
        "StoryStateEnum": "art.models.Story.State",
        "PIStateEnum": "art.models.ProgramIncrement.State",
        "FeatureKindEnum": "art.models.Feature.Kind",
        "TeamKindEnum": "art.models.Team.Kind",
        "MembershipRoleEnum": "art.models.Membership.Role",
        "TeamMemberRoleEnum": "art.models.TeamMember.Role",
        "DependencyStateEnum": "pi_planning.models.Dependency.State",
        "LoadStatusEnum": "pi_planning.selectors.capacity.LOAD_STATUSES",
        "ConfidenceStateEnum": "pi_planning.api.votes.CONFIDENCE_STATES",
        "CardKindEnum": "pi_planning.api.board.CARD_KINDS",
        "ImpedimentCategoryEnum": "sync.models.Impediment.Category",
        "ImpedimentEscalationEnum": "sync.models.Impediment.Escalation",
        "ImpedimentStatusEnum": "sync.models.Impediment.Status",
        # The train's calendar
        "EventKindEnum": "sync.models.Event.Kind",
        "EventStateEnum": "sync.models.Event.State",
        # --- improvement backlog and readiness
        "ImprovementItemStatusEnum": "sync.models.ImprovementItem.Status",
        "ReadinessStateEnum": "sync.api.improvements.READINESS_STATES",
        # --- system demos and release notes
        "SystemDemoStateEnum": "sync.models.SystemDemo.State",
        "DemoItemOutcomeEnum": "sync.models.DemoItem.Outcome",
    },
}

# --- Jira CSV import (art.services.imports) ----------------------------------------------------
# The largest export one import takes, in bytes and in rows; an uploaded file waits for its import
# this many seconds (in the cache) after its preview.
RAILYARD_IMPORT_MAX_BYTES = int(env("RAILYARD_IMPORT_MAX_BYTES", "5000000") or 5000000)
RAILYARD_IMPORT_MAX_ROWS = int(env("RAILYARD_IMPORT_MAX_ROWS", "5000") or 5000)
RAILYARD_IMPORT_UPLOAD_SECONDS = int(env("RAILYARD_IMPORT_UPLOAD_SECONDS", "3600") or 3600)

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

RAILYARD = {
    # How many days an open dependency may wait before it counts as aging (domain.md).
    "DEPENDENCY_AGING_DAYS": 14,
}
