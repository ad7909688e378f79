from django.conf import settings
from django.utils.functional import SimpleLazyObject

from city.selectors import campaign_get


def campaign(request) -> dict:
    # Lazy: pages that never show the hotline or the schedule cost no query.
    return {"campaign": SimpleLazyObject(campaign_get)}


def retailer(request) -> dict:
    # Configuration, not a translation: the app keeps its own name in every language.
    return {"retailer_app": settings.RETAILER_APP_NAME}
