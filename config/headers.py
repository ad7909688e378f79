"""Response headers every page gets: the Content-Security-Policy, and `no-store` on private pages.

One static policy, no nonces: the templates have no inline script or style (not even `style=`
attributes), so nothing needs an exception. Tests, `make run` and production enforce the same.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


def content_security_policy() -> str:
    return "; ".join(
        " ".join([directive, *sources]) for directive, sources in settings.CSP_DIRECTIVES.items()
    )


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = content_security_policy()
        self.private = tuple(settings.NO_STORE_PATH_PREFIXES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        if request.path_info.startswith(self.private):
            # Signed-in pages, codes and staff screens: no browser or proxy keeps a copy.
            patch_cache_control(response, no_store=True, private=True)
        return response
