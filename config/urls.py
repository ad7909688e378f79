from django.contrib import admin
from django.urls import include, path

from config.health import healthz

# An unreachable database or Redis answers 503 with Retry-After, not 500 (config/outage.py).
handler500 = "config.outage.server_error"

urlpatterns = [
    path("", include("portal.urls")),
    path("", include("notifications.urls")),
    path("", include("lottery.urls")),
    path("", include("orders.urls")),
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
