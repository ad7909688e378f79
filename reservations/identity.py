"""The identity provider that verifies a real name (rule 1), chosen by IDENTITY_BACKEND."""

from dataclasses import dataclass

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class IdentityUnavailable(Exception):
    """The provider could not be asked or gave no usable answer; nothing was decided."""


@dataclass(frozen=True)
class IdentityAnswer:
    verified: bool
    level: str  # "L1" | "L2" | "L3"


class LocalIdentityProvider:
    """For `make run` and tests: a well-formed document passes, at L2 for face or bank card."""

    def verify(
        self, *, name: str, document_type: str, document_number: str, method: str
    ) -> IdentityAnswer:
        return IdentityAnswer(
            verified=True, level="L2" if method in ("face", "bank_card") else "L1"
        )


class HttpIdentityProvider:
    def __init__(self, *, url: str, timeout: float) -> None:
        if not url:
            raise ImproperlyConfigured("IDENTITY_BACKEND=http needs IDENTITY_PROVIDER_URL")
        self.url = url
        self.timeout = timeout

    def verify(
        self, *, name: str, document_type: str, document_number: str, method: str
    ) -> IdentityAnswer:
        body = {
            "name": name,
            "document_type": document_type,
            "document_number": document_number,
            "method": method,
        }
        try:
            response = requests.post(self.url, json=body, timeout=self.timeout)
        except requests.RequestException as error:
            # The document number is in the body: never put the request into the message.
            raise IdentityUnavailable(type(error).__name__) from None
        if response.status_code != 200:
            raise IdentityUnavailable(f"HTTP {response.status_code}")
        try:
            answer = response.json()
            verified, level = answer["verified"], answer["level"]
        except (ValueError, KeyError, TypeError):
            raise IdentityUnavailable("malformed answer") from None
        if not isinstance(verified, bool) or level not in ("L1", "L2", "L3"):
            raise IdentityUnavailable("malformed answer")
        return IdentityAnswer(verified=verified, level=level)


def identity_provider_get() -> LocalIdentityProvider | HttpIdentityProvider:
    if settings.IDENTITY_BACKEND == "local":
        return LocalIdentityProvider()
    if settings.IDENTITY_BACKEND == "http":
        return HttpIdentityProvider(
            url=settings.IDENTITY_PROVIDER_URL, timeout=settings.IDENTITY_PROVIDER_TIMEOUT
        )
    raise ImproperlyConfigured("IDENTITY_BACKEND must be 'local' or 'http'")
