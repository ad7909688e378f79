from django.conf import settings
from django.http import Http404
from django.shortcuts import render

from notifications.models import OutboxMessage


def console_messages(request):
    """With the console backend only: the latest messages, so a person trying the site can
    read the sign-in code they were "sent". It does not exist with a real gateway."""
    if settings.SMS_BACKEND != "console" or not settings.SMS_CONSOLE_PAGE:
        raise Http404
    messages = OutboxMessage.objects.order_by("-id")[:50]
    return render(request, "notifications/console.html", {"outbox": messages})
