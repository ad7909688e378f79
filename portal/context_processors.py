from django.conf import settings
from django.utils.functional import SimpleLazyObject

from portal.page_cache import campaign_cached


def campaign(request) -> dict:
    # Lazy: pages that never show the hotline or the schedule cost nothing; the others read a
    # copy a few seconds old at most (portal.page_cache), not the database.
    return {"campaign": SimpleLazyObject(campaign_cached)}


def retailer(request) -> dict:
    # Configuration, not a translation: the app keeps its own name in every language.
    return {"retailer_app": settings.RETAILER_APP_NAME}
