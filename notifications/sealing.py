"""Sign-in codes are sealed in the outbox: encrypted at rest, opened only to hand to the gateway.

Fernet (AES-128-CBC with HMAC-SHA256, from `cryptography`) under a key derived from SECRET_KEY
by HKDF-SHA256 for this one purpose, so no new setting is needed and no other use of
SECRET_KEY shares the key. SECRET_KEY_FALLBACKS still open texts sealed before a rotation.
"""

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

# Marks a text as sealed: whoever reads the row knows it holds no readable code.
SEALED_PREFIX = "sealed:v1:"
_PURPOSE = b"puhui notifications: sign-in code text in the outbox, v1"


class Unsealable(Exception):
    """A sealed text that no current key opens (SECRET_KEY changed, or the text was altered)."""


def _fernet_key(secret_key: str) -> bytes:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(
        secret_key.encode()
    )
    return base64.urlsafe_b64encode(derived)


@lru_cache(maxsize=8)
def _fernet(secret_key: str, fallbacks: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(_fernet_key(key)) for key in (secret_key, *fallbacks)])


def _current() -> MultiFernet:
    return _fernet(settings.SECRET_KEY, tuple(getattr(settings, "SECRET_KEY_FALLBACKS", ())))


def is_sealed(text: str) -> bool:
    return text.startswith(SEALED_PREFIX)


def seal(text: str) -> str:
    return SEALED_PREFIX + _current().encrypt(text.encode()).decode("ascii")


def unseal(text: str) -> str:
    """The clear text of a sealed text; any other text as it is."""
    if not is_sealed(text):
        return text
    try:
        return _current().decrypt(text.removeprefix(SEALED_PREFIX).encode("ascii")).decode()
    except (InvalidToken, UnicodeError) as error:
        raise Unsealable("the sealed text does not open with this SECRET_KEY") from error
