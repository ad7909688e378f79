from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from city.models import AuditAction, AuditEntry
from orders.models import Partner
from orders.selectors import partner_authenticate
from orders.services import partner_revoke

pytestmark = pytest.mark.django_db


def test_a_partner_is_found_by_its_token_which_is_stored_only_hashed(partner):
    record, token = partner
    assert partner_authenticate(token=token) == record
    assert record.token_hash != token
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM orders_partner AS p WHERE p::text LIKE %s", [f"%{token}%"]
        )
        assert cursor.fetchone()[0] == 0


def test_a_wrong_or_revoked_token_finds_nobody(partner):
    record, token = partner
    assert partner_authenticate(token="not-a-token") is None
    assert partner_authenticate(token="") is None
    partner_revoke(partner=record)
    assert partner_authenticate(token=token) is None


def test_create_partner_prints_the_token_alone_on_the_last_line(db):
    out = StringIO()
    call_command("create_partner", "朴朴超市", stdout=out)
    token = out.getvalue().strip().splitlines()[-1]
    assert partner_authenticate(token=token) == Partner.objects.get(name="朴朴超市")


def test_create_partner_refuses_a_name_that_exists(partner):
    with pytest.raises(CommandError):
        call_command("create_partner", "朴朴超市", stdout=StringIO())
    assert Partner.objects.count() == 1


def test_officials_revoke_tokens_in_the_admin(client, official, partner):
    record, token = partner
    client.force_login(official)
    response = client.post(
        reverse("admin:orders_partner_changelist"),
        {"action": "revoke", "_selected_action": [record.pk]},
    )
    assert response.status_code == 302
    assert partner_authenticate(token=token) is None
    entry = AuditEntry.objects.get(action=AuditAction.PARTNER_TOKEN_REVOKED)
    assert (entry.actor, entry.target_repr) == (official, "朴朴超市")


def test_committee_staff_cannot_see_partners(client, committee_staff):
    client.force_login(committee_staff)
    assert client.get(reverse("admin:orders_partner_changelist")).status_code == 403


def test_officials_create_a_partner_in_the_admin_and_see_its_token_once(client, official):
    client.force_login(official)
    url = reverse("admin:orders_partner_add")
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "永辉超市"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = response.context["token"]
    assert token and token in response.content.decode()
    assert partner_authenticate(token=token) == Partner.objects.get(name="永辉超市")
    again = client.post(url, {"name": "永辉超市"})
    assert again.context["token"] is None
    assert Partner.objects.filter(name="永辉超市").count() == 1
    # Once in the audit trail, by the official; never the token.
    (entry,) = AuditEntry.objects.filter(action=AuditAction.PARTNER_CREATED, target_repr="永辉超市")
    assert entry.actor == official and token not in str(entry.summary)


def test_committee_staff_cannot_add_partners(client, committee_staff):
    client.force_login(committee_staff)
    assert client.post(reverse("admin:orders_partner_add"), {"name": "x"}).status_code == 403
    assert not Partner.objects.exists()
