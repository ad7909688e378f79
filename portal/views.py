"""The public pages: home, FAQ, and help with its suggestion form."""

from django.contrib import messages
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from city.errors import Refused
from city.models import OtherArea
from city.page_frames import visitor_kind
from city.selectors import campaign_get, district_windows_list
from lottery.selectors import ScheduleNotice, schedule_notice
from portal import page_cache
from portal.forms import SuggestionForm
from portal.services import suggestion_submit
from reservations import limits


def home(request):
    """The same page for everyone but the sign-in button and the CSRF token: served from a
    copy rendered in the last seconds when there is one (portal.page_cache)."""
    if request.GET or len(messages.get_messages(request)):
        return render(request, "pages/home.html", _home_context(notice=None))
    key = page_cache.home_key(language=get_language(), variant=visitor_kind(request))
    html = cache.get(key)
    if html is None:
        # The notice read now, not the cached one: the copy may then be kept its full time.
        context = _home_context(notice=schedule_notice())
        context["csrf_token"] = page_cache.CSRF_PLACEHOLDER
        html = render(request, "pages/home.html", context).content.decode()
        seconds = page_cache.expires_in(notice=context["notice"])
        if seconds > 0:
            cache.set(key, html, seconds)
    return HttpResponse(html.replace(page_cache.CSRF_PLACEHOLDER, get_token(request)))


def _home_context(*, notice: ScheduleNotice | None) -> dict:
    return {
        "campaign": campaign_get(),
        "district_windows": district_windows_list(),
        # The next draw as the lottery's notice tells it (postponed, paused or not).
        "notice": notice or page_cache.schedule_notice_cached(),
    }


def faq(request):
    return render(request, "pages/faq.html", {"campaign": campaign_get()})


@require_http_methods(["GET", "HEAD", "POST"])
def help_page(request):
    form = SuggestionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            try:
                suggestion_submit(
                    text=form.cleaned_data["text"],
                    contact=form.cleaned_data["contact"],
                    language=get_language() or "",
                    source=limits.client_source(request),
                )
            except Refused as refusal:
                # The form keeps what they wrote, so they can send it later.
                form.add_error(None, refusal.message)
                response = _help(request, form, status=429)
                response["Retry-After"] = str(refusal.retry_after or 60)
                return response
            messages.success(request, _("Thank you. Your message has been passed to the city."))
            return redirect("help")
    return _help(request, form, status=400 if form.errors else 200)


def _help(request, form: SuggestionForm, *, status: int):
    context = {"form": form, "other_areas": OtherArea.objects.all(), "campaign": campaign_get()}
    return render(request, "pages/help.html", context, status=status)
