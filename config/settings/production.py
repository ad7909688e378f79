"""Settings for production: secure cookies, and no start without a real SECRET_KEY."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import SECRET_KEY, env

DEBUG = env.bool("DEBUG", default=False)

if not SECRET_KEY or SECRET_KEY.startswith("insecure-") or len(SECRET_KEY) < 32:
    raise ImproperlyConfigured(
        "Set SECRET_KEY to a random value of at least 32 characters to run in production."
    )

SMS_CONSOLE_PAGE = False  # it would publish every sign-in code
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True

if SMS_BACKEND != "http":  # noqa: F405
    # The console backend would only log messages, sign-in codes included.
    raise ImproperlyConfigured("Production sends SMS: set SMS_BACKEND=http and the gateway.")
if not (SMS_GATEWAY_URL and SMS_GATEWAY_TOKEN):  # noqa: F405
    raise ImproperlyConfigured("SMS_BACKEND=http needs SMS_GATEWAY_URL and SMS_GATEWAY_TOKEN.")

if ID_HASH_KEY.startswith("insecure-") or len(ID_HASH_KEY) < 32:  # noqa: F405
    raise ImproperlyConfigured("Set ID_HASH_KEY to a random value of at least 32 characters.")
if IDENTITY_BACKEND == "http" and not IDENTITY_PROVIDER_URL:  # noqa: F405
    raise ImproperlyConfigured("IDENTITY_BACKEND=http needs IDENTITY_PROVIDER_URL.")
