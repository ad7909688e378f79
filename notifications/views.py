from django.conf import settings
from django.http import Http404
from django.shortcuts import render

from notifications.models import OutboxMessage
from notifications.sealing import Unsealable, unseal


def console_messages(request):
    """With the console backend only: the latest messages, so a person trying the site can
    read the sign-in code they were "sent". It does not exist with a real gateway."""
    if settings.SMS_BACKEND != "console" or not settings.SMS_CONSOLE_PAGE:
        raise Http404
    messages = list(OutboxMessage.objects.order_by("-id")[:50])
    for message in messages:
        # Sign-in codes are sealed in the outbox; this page is the one place that shows them.
        try:
            message.text = unseal(message.text)
        except Unsealable:
            pass  # sealed under another SECRET_KEY: shown sealed
    return render(request, "notifications/console.html", {"outbox": messages})
