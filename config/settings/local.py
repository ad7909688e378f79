"""Settings for a developer's machine (`make run`); `manage.py` uses this module by default."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
# Serve static files straight from the finders, re-read on every change.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
SMS_CONSOLE_PAGE = env.bool("SMS_CONSOLE_PAGE", default=True)
