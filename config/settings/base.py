"""Settings shared by every environment.

Every value can be overridden by an environment variable (or a `.env` file at the project root);
`.env.example` lists them all with their defaults.
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
env_file = BASE_DIR / ".env"
if env_file.exists():
    environ.Env.read_env(str(env_file))

SECRET_KEY = env("SECRET_KEY", default="insecure-development-key-do-not-use-in-production")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "city",
    "reservations",
    "lottery",
    "orders",
    "pickup",
    "notifications",
    "portal",
]

MIDDLEWARE = [
    "config.headers.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "reservations.devices.DeviceCookieMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# Content-Security-Policy, enforced everywhere (config/headers.py): nothing inline, nothing from
# another origin. Scripts and styles live in static files; `data:` is the empty favicon.
CSP_DIRECTIVES = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# Pages for one person (a resident's, sign-in, the SMS console, staff, the partner API) are
# answered `Cache-Control: no-store, private`; public pages and draw files stay cacheable.
NO_STORE_PATH_PREFIXES = ["/me/", "/sign-in/", "/sign-out/", "/admin/", "/dev/", "/api/"]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.campaign",
                "portal.context_processors.retailer",
            ],
        },
    },
]

# One PostgreSQL database for everything; connections are kept open between requests.
DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/puhui"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Outages (docs/architecture.md): a database that does not answer fails the request fast (503)
# instead of holding it. libpq waits at most this long to connect (its minimum is 2 s), and a
# peer that vanishes under an open connection is dropped by TCP within about as long.
DATABASE_CONNECT_TIMEOUT = env.int("DATABASE_CONNECT_TIMEOUT", default=2)
DATABASES["default"].setdefault("OPTIONS", {}).update(
    connect_timeout=DATABASE_CONNECT_TIMEOUT,
    keepalives=1,
    keepalives_idle=1,
    keepalives_interval=1,
    keepalives_count=2,
    tcp_user_timeout=DATABASE_CONNECT_TIMEOUT * 1000,
)
# A server that accepts and never answers is caught sooner by a probe before each new
# connection (config/postgresql/base.py); 0 turns the probe off.
DATABASE_PROBE_TIMEOUT = env.float("DATABASE_PROBE_TIMEOUT", default=1.0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "config.postgresql"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "reservations.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
# Every Redis client (notifications/redis_client.py) and the Celery broker wait at most this
# long (seconds) to connect and for each answer: a frozen Redis costs a request well under a
# second, and the site answers 503 (config/outage.py).
REDIS_CONNECT_TIMEOUT = env.float("REDIS_CONNECT_TIMEOUT", default=0.5)
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=0.5)


# Django's cache (the home page's copies, portal/page_cache.py; sessions, below) on the same
# Redis, with the same timeouts: a frozen Redis answers 503 rather than holding requests.
def _caches(url: str) -> dict:
    return {
        "default": {
            "BACKEND": "config.cache.SharedClientRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "puhui",
            "OPTIONS": {
                "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
                "socket_timeout": REDIS_SOCKET_TIMEOUT,
            },
        }
    }


CACHES = _caches(REDIS_URL)
# How long the rendered home page is kept (portal/page_cache.py); 0 renders it every time.
HOME_PAGE_CACHE_SECONDS = env.int("HOME_PAGE_CACHE_SECONDS", default=30)
# How long a process keeps a page's rendered frame (city/page_frames.py: "did number X win?"
# renders its layout once per answer and fills in the number); 0 renders every page afresh.
PAGE_FRAME_SECONDS = env.int("PAGE_FRAME_SECONDS", default=30)
# How long a process remembers reference data its pages display (city/memo.py: settings,
# windows, routes, closed draws); 0 reads them afresh.
LOCAL_CACHE_SECONDS = env.int("LOCAL_CACHE_SECONDS", default=5)
# The peak's pages plan their statements once per connection (city/prepared.py); off behind a
# pooler in transaction mode, which may send the next statement down another connection.
DB_PREPARED_STATEMENTS = env.bool("DB_PREPARED_STATEMENTS", default=True)

# Chinese first; English by cookie or Accept-Language. No language prefix in URLs, so every
# public page, file and API endpoint has exactly one path.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
# No script reads it and no other site needs to send it; production also makes it Secure.
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


# Celery: broker and results on Redis, JSON only.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis redelivers an unacknowledged task after the visibility timeout: keep it well above the
# longest task so a slow task is never run twice concurrently because of it.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT * 2}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT * 2}
# Publishing a task (often from a web request, after its commit) gives up fast when the broker
# is down or frozen: the socket timeouts bound each try, the connection timeout bounds kombu's
# reconnecting, and one quick retry covers a pooled connection Redis closed.
CELERY_BROKER_TRANSPORT_OPTIONS.update(
    socket_connect_timeout=REDIS_CONNECT_TIMEOUT, socket_timeout=REDIS_SOCKET_TIMEOUT
)
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=1.0)
# The result backend is Redis too: the same timeouts (no web request waits on a result today).
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_CONNECT_TIMEOUT
CELERY_REDIS_SOCKET_TIMEOUT = REDIS_SOCKET_TIMEOUT
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.1,
    "interval_max": 0.1,
}
# Periodic tasks live here, in settings; later features add their entries.
CELERY_BEAT_SCHEDULE: dict[str, dict] = {}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# The partner retailer's app, named wherever residents are told to order (Fuzhou 2020's).
RETAILER_APP_NAME = env.str("RETAILER_APP_NAME", default="永辉生活")

# SMS (notifications/): every message goes through the outbox.
SMS_BACKEND = env("SMS_BACKEND", default="console")  # console | http
# /dev/sms/ lists the console backend's messages (sign-in codes included): only where nobody
# real uses the site. Production forces it off.
SMS_CONSOLE_PAGE = env.bool("SMS_CONSOLE_PAGE", default=DEBUG)
SMS_GATEWAY_URL = env("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_TOKEN = env("SMS_GATEWAY_TOKEN", default="")
SMS_GATEWAY_TIMEOUT = env.float("SMS_GATEWAY_TIMEOUT", default=5.0)
SMS_RATE_LIMIT = env.int("SMS_RATE_LIMIT", default=5000)  # messages per second, all workers
SMS_MAX_ATTEMPTS = env.int("SMS_MAX_ATTEMPTS", default=10)
SMS_RETRY_BASE_SECONDS = env.float("SMS_RETRY_BASE_SECONDS", default=5.0)
SMS_RETRY_MAX_SECONDS = env.float("SMS_RETRY_MAX_SECONDS", default=600.0)
SMS_LEASE_SECONDS = env.float("SMS_LEASE_SECONDS", default=60.0)
SMS_BATCH_SIZE = env.int("SMS_BATCH_SIZE", default=200)
# Wake a worker when a transaction that queued messages commits (beat also polls).
SMS_DRAIN_ON_COMMIT = env.bool("SMS_DRAIN_ON_COMMIT", default=True)
# One drain task stops after this long and queues its successor, well inside the task limit.
SMS_DRAIN_MAX_SECONDS = env.float("SMS_DRAIN_MAX_SECONDS", default=50.0)
CELERY_BEAT_SCHEDULE["drain-outbox"] = {
    "task": "notifications.tasks.drain_outbox",
    "schedule": 10.0,
}
CELERY_BEAT_SCHEDULE["forget-sign-in-codes"] = {
    "task": "notifications.tasks.forget_sign_in_codes",
    "schedule": 60.0,
}

# Draws (lottery/): beat keeps the schedule of rule 5 ahead and closes pools at their cut-off.
CELERY_BEAT_SCHEDULE["keep-draw-schedule"] = {
    "task": "lottery.tasks.keep_schedule",
    "schedule": 600.0,
}
CELERY_BEAT_SCHEDULE["close-due-pools"] = {
    "task": "lottery.tasks.close_due_pools",
    "schedule": 30.0,
}
CELERY_BEAT_SCHEDULE["settle-wins"] = {
    "task": "lottery.tasks.settle_wins",
    "schedule": 60.0,
}
CELERY_BEAT_SCHEDULE["make-missing-fairness"] = {
    "task": "lottery.tasks.make_missing_fairness",
    "schedule": 300.0,
}

# Residents (reservations/).
# Key of the HMAC that makes identity document numbers unique without storing them. Keep it out
# of the database; changing it orphans every stored hash.
ID_HASH_KEY = env("ID_HASH_KEY", default="insecure-development-id-hash-key")
IDENTITY_BACKEND = env("IDENTITY_BACKEND", default="local")  # local | http
IDENTITY_PROVIDER_URL = env("IDENTITY_PROVIDER_URL", default="")
IDENTITY_PROVIDER_TIMEOUT = env.float("IDENTITY_PROVIDER_TIMEOUT", default=5.0)
# Sign-in codes per hour (docs/residents.md): per phone from one address; per address across
# phones; per phone from every untrusted browser together (past it no new SMS goes out, the
# latest code still works). A browser with a device cookie for the phone counts only against
# its cookie, with the per-phone-and-address limit; the cookie lasts SIGN_IN_DEVICE_COOKIE_DAYS.
SIGN_IN_CODES_PER_PHONE_AND_IP_PER_HOUR = env.int(
    "SIGN_IN_CODES_PER_PHONE_AND_IP_PER_HOUR", default=5
)
SIGN_IN_CODES_PER_IP_PER_HOUR = env.int("SIGN_IN_CODES_PER_IP_PER_HOUR", default=30)
SIGN_IN_CODES_PER_PHONE_PER_HOUR = env.int("SIGN_IN_CODES_PER_PHONE_PER_HOUR", default=10)
SIGN_IN_DEVICE_COOKIE_DAYS = env.int("SIGN_IN_DEVICE_COOKIE_DAYS", default=90)
RESIDENT_SESSION_DAYS = env.int("RESIDENT_SESSION_DAYS", default=30)
# `manage.py purge_personal_data` erases the personal data of reservations closed (collected,
# delivered, lapsed, cancelled) longer than this many days, and of older finished SMS.
PERSONAL_DATA_RETENTION_DAYS = env.int("PERSONAL_DATA_RETENTION_DAYS", default=90)
# The anonymous suggestions form (/help/): posts per address per hour, and per minute for the
# whole site, before a 429 (0 turns a limit off).
SUGGESTIONS_PER_IP_PER_HOUR = env.int("SUGGESTIONS_PER_IP_PER_HOUR", default=10)
SUGGESTIONS_SITE_PER_MINUTE = env.int("SUGGESTIONS_SITE_PER_MINUTE", default=60)
# Burst protection: requests per second, whole site, before answering 429 (0 turns it off).
RESERVE_BURST_PER_SECOND = env.int("RESERVE_BURST_PER_SECOND", default=2000)
SIGN_IN_BURST_PER_SECOND = env.int("SIGN_IN_BURST_PER_SECOND", default=500)
# Staff admin sign-in, failures within STAFF_LOGIN_LOCKOUT_SECONDS (reservations/auth.py): per
# account from one address (and per device cookie); per address across accounts; per account
# from every untrusted address together. A device cookie for the account is never held back by
# the other two.
STAFF_LOGIN_MAX_FAILURES = env.int("STAFF_LOGIN_MAX_FAILURES", default=5)
STAFF_LOGIN_FAILURES_PER_IP = env.int("STAFF_LOGIN_FAILURES_PER_IP", default=20)
STAFF_LOGIN_FAILURES_PER_ACCOUNT = env.int("STAFF_LOGIN_FAILURES_PER_ACCOUNT", default=30)
STAFF_LOGIN_LOCKOUT_SECONDS = env.int("STAFF_LOGIN_LOCKOUT_SECONDS", default=900)
# Behind a reverse proxy, the client's address is the last hop it adds to X-Forwarded-For.
TRUST_X_FORWARDED_FOR = env.bool("TRUST_X_FORWARDED_FOR", default=False)
# Sessions are read from Redis (the cache above) and written through to PostgreSQL: a signed-in
# request reads its session without a query (0.6 ms of ORM), and a Redis that loses its keys
# costs a query, not a sign-out. Signing out deletes both copies (docs/security.md).
SESSION_ENGINE = env("SESSION_ENGINE", default="django.contrib.sessions.backends.cached_db")
# Staff sessions are short; residents' sessions are extended to RESIDENT_SESSION_DAYS at sign-in.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 3600)
CELERY_BEAT_SCHEDULE["clear-expired-sessions"] = {
    "task": "reservations.tasks.clear_expired_sessions",
    "schedule": 600.0,
}
LOGIN_URL = "sign_in"
AUTHENTICATION_BACKENDS = ["reservations.auth.LockoutModelBackend"]

# Partner retailer API (orders/): requests per second per partner, all processes together,
# before answering 429; and the largest request body accepted (bytes) before answering 413.
PARTNER_API_RATE_PER_SECOND = env.int("PARTNER_API_RATE_PER_SECOND", default=2000)
PARTNER_API_MAX_BODY_BYTES = env.int("PARTNER_API_MAX_BODY_BYTES", default=4096)
# Wins lapse when their purchase window closes, and winners who have not ordered are reminded
# (the reminder's lead time is in the campaign configuration). Both are safe to run again.
CELERY_BEAT_SCHEDULE["lapse-wins"] = {"task": "orders.tasks.lapse_wins", "schedule": 60.0}
CELERY_BEAT_SCHEDULE["send-lapse-reminders"] = {
    "task": "orders.tasks.send_lapse_reminders",
    "schedule": 60.0,
}
