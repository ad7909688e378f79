"""What the site answers when PostgreSQL or Redis is unreachable: 503 with Retry-After, not 500.

Django turns an exception raised anywhere in a request (a view, a template rendered after it,
a context processor, the session or user loaded by middleware) into the answer of `handler500`
(config/urls.py), which is `server_error` here. It looks at the exception: a lost database or
Redis connection, a timeout, or a broker that refuses a task, is an outage and answers 503; any
other error is a bug and answers Django's usual 500 page.

The 503 answer itself needs neither service: the page is rendered without the request (no
context processors, no session, no user), in the reader's language read from the language cookie
or Accept-Language; the partner API gets JSON.
"""

import sys

import kombu.exceptions
import psycopg2
import redis
from django import db
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.views import defaults

RETRY_AFTER_SECONDS = 30

# PostgreSQL's error codes that mean "no usable connection": class 08 (connection exception),
# the server shutting down or starting (57P01-57P03), and no connection slot left (53300).
_CONNECTION_CODES = {"57P01", "57P02", "57P03", "53300"}


def _database_unreachable(error: psycopg2.Error) -> bool:
    if isinstance(error, psycopg2.InterfaceError):  # "connection already closed"
        return True
    if not isinstance(error, psycopg2.OperationalError):
        return False
    code = error.pgcode
    if code is None:
        # libpq's own failures (refused, timed out, closed unexpectedly) are the plain class
        # with no server code; its subclasses (deadlock, cancelled statement) are the server
        # answering, not an outage.
        return type(error) is psycopg2.OperationalError
    return code.startswith("08") or code in _CONNECTION_CODES


def is_outage(error: BaseException | None) -> bool:
    """Whether `error`, or an error it was raised from or while handling, is an unreachable
    database, Redis or broker."""
    seen = 0
    while error is not None and seen < 5:
        if isinstance(error, redis.ConnectionError | redis.TimeoutError):
            return True
        if isinstance(error, kombu.exceptions.OperationalError):  # the broker refused a task
            return True
        if isinstance(error, db.InterfaceError):
            return True
        if isinstance(error, db.OperationalError) and isinstance(error.__cause__, psycopg2.Error):
            return _database_unreachable(error.__cause__)
        if isinstance(error, psycopg2.Error):
            return _database_unreachable(error)
        error = error.__cause__ or error.__context__
        seen += 1
    return False


def _wants_json(request) -> bool:
    """The partner API always speaks JSON; a reader of other JSON answers (/results/) asks."""
    if request.path_info.startswith("/api/partner/"):
        return True
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def unavailable(request) -> HttpResponse:
    """503 with Retry-After: JSON for the partner API, else a page in the reader's language."""
    if _wants_json(request):
        response = JsonResponse({"error": "unavailable"}, status=503)
    else:
        language = translation.get_language_from_request(request)
        with translation.override(language):
            try:
                # No request: context processors would query the database or the session.
                body = loader.render_to_string("503.html")
            except Exception:  # the page itself must not fail: say it plainly
                body = "<h1>Service Unavailable (503)</h1>"
        response = HttpResponse(body, status=503)
        response["Content-Language"] = language
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


def server_error(request, template_name: str = defaults.ERROR_500_TEMPLATE_NAME):
    """handler500: an outage answers 503; anything else Django's own 500 page."""
    if is_outage(sys.exc_info()[1]):
        return unavailable(request)
    return defaults.server_error(request, template_name)
