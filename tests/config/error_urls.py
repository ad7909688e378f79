"""The project's URLs plus views that fail on purpose, for the error-page tests. The project's
own error handlers (if config/urls.py names any) stay in force."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.urls import path

from config import urls as project

# What a careless error would leak: a resident's phone and document number.
PHONE = "13800138000"
DOCUMENT = "350102199003071234"


def bad(request):
    raise SuspiciousOperation(f"malformed request from {PHONE} {DOCUMENT}")


def forbidden(request):
    raise PermissionDenied(f"{PHONE} may not see {DOCUMENT}")


def missing(request):
    raise Http404(f"no reservation for {PHONE} {DOCUMENT}")


def broken(request):
    phone, document = PHONE, DOCUMENT  # in the frame's locals, as a real bug would have them
    raise RuntimeError(f"could not save {phone} {document}")


urlpatterns = [
    path("test-errors/400/", bad),
    path("test-errors/403/", forbidden),
    path("test-errors/404/", missing),
    path("test-errors/500/", broken),
    *project.urlpatterns,
]

for code in (400, 403, 404, 500):
    handler = getattr(project, f"handler{code}", None)
    if handler is not None:
        globals()[f"handler{code}"] = handler
