from django.http import HttpResponse
from django.urls import include, path


def baseline(request):
    """The bare minimum behind the same middleware: no query, no template."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/baseline", baseline),
    path("", include("config.urls")),
]
