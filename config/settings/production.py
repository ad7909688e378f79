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
# Plain HTTP is redirected to HTTPS (the proxy says which it was, above), except /healthz, which
# load balancers probe over plain HTTP.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# Joining the browsers' HSTS preload list binds the whole domain for months and is the city's
# decision, not the application's: no preload, and its deploy check (W021) is silenced.
SECURE_HSTS_PRELOAD = False
SILENCED_SYSTEM_CHECKS = ["security.W021"]
LANGUAGE_COOKIE_SECURE = env.bool("LANGUAGE_COOKIE_SECURE", default=True)

if SMS_BACKEND != "http":  # noqa: F405
    # The console backend would only log messages, sign-in codes included.
    raise ImproperlyConfigured("Production sends SMS: set SMS_BACKEND=http and the gateway.")
if not (SMS_GATEWAY_URL and SMS_GATEWAY_TOKEN):  # noqa: F405
    raise ImproperlyConfigured("SMS_BACKEND=http needs SMS_GATEWAY_URL and SMS_GATEWAY_TOKEN.")

if ID_HASH_KEY.startswith("insecure-") or len(ID_HASH_KEY) < 32:  # noqa: F405
    raise ImproperlyConfigured("Set ID_HASH_KEY to a random value of at least 32 characters.")
if IDENTITY_BACKEND != "http":  # noqa: F405
    # The local backend "verifies" any well-formed made-up number to L2 (rule 1 would be void).
    raise ImproperlyConfigured(
        "Production verifies real names: set IDENTITY_BACKEND=http and IDENTITY_PROVIDER_URL."
    )
if not IDENTITY_PROVIDER_URL:  # noqa: F405
    raise ImproperlyConfigured("IDENTITY_BACKEND=http needs IDENTITY_PROVIDER_URL.")
