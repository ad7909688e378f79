from django.utils.functional import SimpleLazyObject

from city.selectors import campaign_get


def campaign(request) -> dict:
    # Lazy: pages that never show the hotline or the schedule cost no query.
    return {"campaign": SimpleLazyObject(campaign_get)}
