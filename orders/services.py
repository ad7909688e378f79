"""Partners and their API tokens. (Orders, routing and lapses come with issue 6.)"""

import hashlib
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from orders.models import Partner


class PartnerExists(Exception):
    pass


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def partner_create(*, name: str) -> tuple[Partner, str]:
    """A new partner and its token, returned this once; only the hash is kept."""
    token = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            partner = Partner.objects.create(name=name.strip(), token_hash=_token_hash(token))
    except IntegrityError:
        raise PartnerExists(name) from None
    return partner, token


def partner_authenticate(*, token: str) -> Partner | None:
    """The partner whose live token this is, or None."""
    if not token:
        return None
    return Partner.objects.filter(token_hash=_token_hash(token), revoked_at__isnull=True).first()


def partner_revoke(*, partner: Partner) -> None:
    Partner.objects.filter(pk=partner.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
