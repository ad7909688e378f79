from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from config.health import healthz

# An unreachable database or Redis answers 503 with Retry-After, not 500 (config/outage.py).
handler500 = "config.outage.server_error"

# Django tries patterns in order, and every pattern tried costs a little: what is busiest at the
# peak comes first (the partner API; then "did number X win?" first in lottery.urls, the home
# page and "My reservation" first in portal.urls). No two of these lists share a path.
urlpatterns = [
    # The partner API first, behind one prefix: its busiest endpoint (verify) walked every
    # page's pattern before its own (some 60 µs of a request).
    path("api/partner/", include("orders.urls")),
    path("", include("lottery.urls")),
    path("", include("portal.urls")),
    path("", include("notifications.urls")),
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    # The reference data and the campaign configuration moved from reservations to city (issue
    # 12): staff's bookmarks of their admin pages lead to the same page at its new address.
    re_path(
        r"^admin/reservations/(?P<model>district|town|community|reservationwindow|campaignconfig"
        r"|otherarea|suggestion)/(?P<rest>.*)$",
        RedirectView.as_view(
            url="/admin/city/%(model)s/%(rest)s", permanent=True, query_string=True
        ),
    ),
    path("admin/", admin.site.urls),
]
