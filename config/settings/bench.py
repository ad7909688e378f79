"""Production settings plus the bare baseline views that `make bench` compares against."""

from .production import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

# The sms benchmark's Celery keys live under a prefix of their own in REDIS_URL's database
# (kombu's global_keyprefix), so that it starts from an empty queue and clears up after itself
# without flushing a database that anything else uses.
CELERY_BROKER_KEY_PREFIX = env("CELERY_BROKER_KEY_PREFIX", default="")  # noqa: F405
if CELERY_BROKER_KEY_PREFIX:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
        "global_keyprefix": CELERY_BROKER_KEY_PREFIX,
    }
