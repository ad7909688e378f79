"""Settings for the test suite: the real PostgreSQL and Redis, fast password hashing."""

from .base import *  # noqa: F403
from .base import _caches, env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests build pages without running collectstatic.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Serve static files straight from the finders: tests run without collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Tests drain the outbox themselves; nothing is published to a broker no worker reads.
SMS_DRAIN_ON_COMMIT = env.bool("SMS_DRAIN_ON_COMMIT", default=False)
# Tests keep their Redis counters (rate limits, lockouts) in a database of their own, emptied
# before each test: the same Redis server, database 15.
REDIS_URL = env("TEST_REDIS_URL", default=REDIS_URL.rsplit("/", 1)[0] + "/15")  # noqa: F405
CACHES = _caches(REDIS_URL)
IDENTITY_BACKEND = "local"
# The live server answers each request in a thread of its own: persistent connections would
# outlive those threads and keep the test database busy at teardown.
DATABASES = {
    "default": {
        **DATABASES["default"],  # noqa: F405
        "CONN_MAX_AGE": 0,
        "OPTIONS": {
            **DATABASES["default"]["OPTIONS"],  # noqa: F405
            # Django empties every table with one TRUNCATE after each transactional test: the
            # append-only tables refuse it unless the session turns this on (city 0006).
            "options": "-c puhui.allow_truncate=on",
        },
    }
}
# The browser test reads its sign-in code from the console page.
SMS_CONSOLE_PAGE = True
# Test runs of several worktrees can share one Redis database: each keeps its cached pages and
# sessions under its own database's name, never another's.
CACHES["default"]["KEY_PREFIX"] = "test-" + DATABASES["default"]["NAME"]
# Pages are rendered afresh in tests, which change draws and settings inside one transaction
# that never commits (so nothing drops a cached copy); tests/portal/test_home_page_cache.py
# turns the copies on to test them.
HOME_PAGE_CACHE_SECONDS = 0
PAGE_FRAME_SECONDS = 0
LOCAL_CACHE_SECONDS = 0
