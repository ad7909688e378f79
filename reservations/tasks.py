"""Beat tasks of the residents' app."""

from importlib import import_module

from celery import shared_task
from django.conf import settings


@shared_task(ignore_result=True)
def clear_expired_sessions() -> None:
    """Expired sessions leave the database: a sign-in that was never finished holds the phone
    it waits for, and must not keep it past the code's life."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
