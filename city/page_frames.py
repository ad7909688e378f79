"""Pages whose frame is rendered once and filled in per request.

Some public pages are the same for everyone but for a few values: "did number X win?" shows
one of a handful of answers around the number asked. Rendering the template (the site's
layout, a dozen translations, URL lookups) costs several times what the rest of the request
does, so such a page is rendered once per *frame* -- everything the page shows but those
values, named by the caller's `frame` key, plus the language and the kind of visitor -- with
placeholders where the values go, kept in this process for at most PAGE_FRAME_SECONDS, and
each request fills in its own values with `str.replace`. Each request still reads its own
answer from the database: only the rendering is shared.

A value filled in this way must print as itself (plain text that HTML escaping leaves alone,
as digits do); anything else that differs belongs in the frame key. The CSRF token of the
language form and the page's own path (its "next", `next_path` in the layout) are filled in
the same way. A request with messages to show is rendered afresh, as is everything when
PAGE_FRAME_SECONDS is 0 (tests).
"""

import dataclasses
import datetime
import decimal
import threading
import time
import types
from collections import OrderedDict
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

# Placeholders hold a character no rendered page contains (NUL), so a filled page is checked
# for leftovers in one `in`.
_MARK = "\x00"
CSRF = "csrf"
PATH = "path"
MAX_FRAMES = 512  # a few languages x answers x draws; the oldest go first

_frames: OrderedDict = OrderedDict()
_lock = threading.Lock()


def slot(name: str) -> str:
    """The placeholder for value `name` in a frame's context."""
    return mark_safe(f"{_MARK}{name}{_MARK}")


def frames_forget() -> None:
    """Drop this process's frames (tests; a deployment restarts or waits PAGE_FRAME_SECONDS)."""
    with _lock:
        _frames.clear()


def visitor_kind(request) -> str:
    """Which layout a visitor gets: a signed-in resident's ("My reservation" in the menu), or
    everyone else's ("Sign in")."""
    return "resident" if request.user.is_authenticated and not request.user.is_staff else "visitor"


def render_framed(
    request,
    template_name: str,
    *,
    frame: tuple | None = None,
    context_for: Callable[[dict[str, str]], dict],
    values: dict[str, str],
    seconds: float | None = None,
) -> HttpResponse:
    """The page `template_name` with `context_for(values)`, rendered from this process's frame
    `frame` when it has one (`context_for` is called with a placeholder for each value to make
    the frame). Without `frame`, the frame is named by everything in that context
    (`frame_key_of`), which must then hold plain values only. `seconds` shortens the frame's
    life: a frame whose text changes at a known moment must not outlive it."""
    limit = float(settings.PAGE_FRAME_SECONDS)
    if seconds is not None:
        limit = min(limit, seconds)
    if limit <= 0 or len(messages.get_messages(request)):
        return render(request, template_name, context_for(values))
    visitor = visitor_kind(request)
    framed_context = None
    if frame is None:
        framed_context = context_for({name: slot(name) for name in values})
        try:
            frame = (frame_key_of(framed_context),)
        except TypeError:  # a value that cannot name a frame: render this page afresh
            return render(request, template_name, context_for(values))
    key = (template_name, get_language(), visitor, *frame)
    now = time.monotonic()
    with _lock:
        found = _frames.get(key)
    if found is not None and found[0] > now:
        html = found[1]
    else:
        context = framed_context or context_for({name: slot(name) for name in values})
        context.update(csrf_token=slot(CSRF), next_path=slot(PATH))
        html = render(request, template_name, context).content.decode()
        with _lock:
            _frames[key] = (now + limit, html)
            _frames.move_to_end(key)
            while len(_frames) > MAX_FRAMES:
                _frames.popitem(last=False)
    fills = {**values, CSRF: get_token(request), PATH: request.get_full_path()}
    for name, value in fills.items():
        html = html.replace(f"{_MARK}{name}{_MARK}", escape(value))
    if _MARK in html:  # a placeholder the caller did not fill: never serve one
        return render(request, template_name, context_for(values))
    return HttpResponse(html)


_PLAIN = (str, int, float, bool, type(None), datetime.date, datetime.time, decimal.Decimal)


def frame_key_of(value) -> object:
    """A hashable copy of a page's context that holds everything it can show: plain values,
    lists, dicts, namespaces and frozen dataclasses of them (a lazy translation counts as its
    text in the active language). TypeError for anything else, a model instance above all:
    its repr does not hold what a page reads of it."""
    if isinstance(value, _PLAIN):
        return (type(value).__name__, value)
    if isinstance(value, Promise):
        return ("text", str(value))
    if isinstance(value, list | tuple):
        return ("seq", tuple(frame_key_of(item) for item in value))
    if isinstance(value, dict):
        return ("map", tuple(sorted((str(k), frame_key_of(v)) for k, v in value.items())))
    if isinstance(value, types.SimpleNamespace):
        return ("ns", frame_key_of(vars(value)))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        return (type(value).__qualname__, frame_key_of(fields))
    raise TypeError(f"cannot name a page frame by a {type(value).__qualname__}")
