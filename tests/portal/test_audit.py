"""One audit trail: the admin's log and staff's changes through services, append-only in the
database, naming people only masked, on one searchable page for officials and notaries."""

import datetime
import re

import pytest
from django.contrib import admin
from django.contrib.admin.models import CHANGE, LogEntry
from django.db import connection, transaction
from django.db.utils import InternalError
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from city.admin import MaskedLogMixin
from city.models import AuditAction, AuditEntry
from city.services import audit_record
from lottery import services as lottery
from lottery.models import DrawLog
from lottery.selectors import DRAW_LOG_ACTIONS
from orders.services import partner_create
from pickup.admin import STEP_LABELS
from pickup.services import Step
from reservations.models import Category, Resident, User
from reservations.services import committee_reservation_create, committee_resident_register
from tests.lottery.helpers import COMMITMENT
from tests.lottery.test_draw_log_sentences import DETAILS
from tests.reservations.conftest import at, campaign, resident_id  # noqa: F401 - fixtures

PAGE = reverse("admin:city_auditentry_changelist")
NOW = at(2020, 2, 18, 10, 0)


@pytest.fixture
def superuser(db) -> User:
    return User.objects.create_superuser(username="root", password="pw")


@pytest.fixture
def registered(committee_staff, campaign) -> Resident:  # noqa: F811 - the fixture, imported
    """A resident without a phone, registered by the committee, with a reservation."""
    resident = committee_resident_register(
        staff=committee_staff,
        name="陈阿婆",
        document_type="resident_id",
        document_number=resident_id("35010219400101001"),
        category="elderly_alone",
        now=NOW,
    )
    committee_reservation_create(staff=committee_staff, resident=resident, now=NOW)
    return resident


def _page(client, user, **query):
    client.force_login(user)
    return client.get(PAGE, query, HTTP_ACCEPT_LANGUAGE="en")


def _raw(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- append-only, in the database ---------------------------------------------------------------


@pytest.mark.parametrize("table", ["city_auditentry", "django_admin_log"])
@pytest.mark.parametrize("statement", ["UPDATE {table} SET object_id = '0'", "DELETE FROM {table}"])
def test_the_database_refuses_to_update_or_delete_an_audit_or_admin_log_entry(
    registered, superuser, client, table, statement
):
    # The tests' database role is a PostgreSQL superuser: the triggers hold for it too.
    client.force_login(superuser)
    LogEntry.objects.create(
        user=superuser, object_id="1", object_repr="x", action_flag=CHANGE, change_message=""
    )
    column = "target_id" if table == "city_auditentry" else "object_id"
    with pytest.raises(InternalError, match="append-only"):
        _raw(statement.format(table=table).replace("object_id", column), [])
    assert AuditEntry.objects.exists() and LogEntry.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("table", ["city_auditentry", "django_admin_log", "lottery_drawlog"])
def test_the_database_refuses_to_truncate_an_audit_source(registered, table):
    # Only the test suite's sessions may empty them (Django's flush after this very test); a
    # session without the setting, as every other one is, is refused. Committed rows: TRUNCATE
    # is refused anyway while the transaction's own foreign-key checks are pending.
    with pytest.raises(InternalError, match="TRUNCATE is not allowed"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL puhui.allow_truncate = off")
            cursor.execute(f"TRUNCATE {table} CASCADE")
    assert AuditEntry.objects.exists()


def test_the_audit_trail_is_read_only_in_the_admin_even_for_a_superuser(
    registered, superuser, client
):
    entry = AuditEntry.objects.get(action=AuditAction.RESERVED_ON_BEHALF)
    client.force_login(superuser)
    assert client.get(reverse("admin:city_auditentry_delete", args=[entry.pk])).status_code == 403
    response = client.post(
        reverse("admin:city_auditentry_change", args=[entry.pk]), {"action": "x"}
    )
    assert response.status_code == 403
    assert client.get(reverse("admin:city_auditentry_add")).status_code == 403
    entry.refresh_from_db()
    assert entry.action == AuditAction.RESERVED_ON_BEHALF


# --- no personal data beyond masked values -------------------------------------------------------


def test_an_admin_change_is_logged_with_the_masked_name_and_the_fields_changed(
    registered, committee_staff, client
):
    client.force_login(committee_staff)
    response = client.post(
        reverse("admin:reservations_resident_change", args=[registered.pk]),
        {"name": "陈阿妹", "category": "hardship"},
    )
    assert response.status_code == 302, response.content
    entry = LogEntry.objects.get(action_flag=CHANGE)
    assert entry.object_repr == "陈*妹"
    assert entry.user == committee_staff
    with translation.override("en"):
        assert entry.get_change_message() == "Changed Name and Special group."


def test_an_admin_change_of_a_residents_account_does_not_log_the_phone(superuser, client):
    account = User.objects.create_user(username="resident-13800009876", phone="13800009876")
    client.force_login(superuser)
    response = client.post(
        reverse("admin:auth_user_password_change", args=[account.pk]),
        {
            "password1": "a-Long-pass-1234",
            "password2": "a-Long-pass-1234",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content
    entry = LogEntry.objects.get()
    assert "13800009876" not in entry.object_repr
    assert entry.object_repr == f"#{account.pk} 138****9876"


def test_every_admin_of_a_model_naming_people_masks_the_admins_log():
    naming = [
        model_admin
        for model, model_admin in admin.site._registry.items()
        if callable(getattr(model, "masked_repr", None))
    ]
    assert {type(model_admin).__name__ for model_admin in naming} >= {
        "ResidentAdmin",
        "UserAdmin",
        "SuggestionAdmin",
    }
    for model_admin in naming:
        assert isinstance(model_admin, MaskedLogMixin), type(model_admin).__name__


def test_service_entries_name_residents_masked(registered):
    entries = AuditEntry.objects.exclude(action=AuditAction.REFERENCE_DATA_LOADED).order_by("id")
    assert [entry.action for entry in entries] == [
        AuditAction.RESIDENT_REGISTERED,
        AuditAction.RESERVED_ON_BEHALF,
    ]
    assert entries[0].target_repr == "陈*婆"
    assert entries[1].summary["resident"] == "陈*婆"
    assert all("陈阿婆" not in str(entry.summary) for entry in entries)
    assert all(entry.actor.username == "committee" for entry in entries)


def test_loading_the_reference_data_is_recorded_once_a_second_load_adds_nothing(fuzhou):
    from city.reference import fuzhou as data
    from city.services import reference_data_load

    entry = AuditEntry.objects.get(action=AuditAction.REFERENCE_DATA_LOADED)
    assert entry.actor is None and entry.summary["districts"] == 5
    reference_data_load(data=data)
    assert AuditEntry.objects.filter(action=AuditAction.REFERENCE_DATA_LOADED).count() == 1


# --- the audit page ---------------------------------------------------------------------------


@pytest.fixture
def trail(registered, official, client, superuser):
    """An admin change, services' entries, a partner made by an official, and a draw's steps."""
    committee = Client()
    committee.force_login(registered.registered_by)
    committee.post(
        reverse("admin:reservations_resident_change", args=[registered.pk]),
        {"name": "陈阿婆", "category": "hardship"},
    )
    partner_create(name="朴朴超市", actor=official)
    lottery.supply_record(arrived_on=datetime.date(2020, 2, 18), masks=1000)
    draw = lottery.draw_add_extra(
        scheduled_at=at(2020, 2, 19, 10), pool_cutoff=at(2020, 2, 18, 21), actor=official
    )
    lottery.draw_commit(draw=draw, notary=None, commitment=COMMITMENT, now=at(2020, 2, 18, 9))
    return draw


def test_the_page_shows_the_admins_log_the_services_and_the_draw_log_newest_first(
    trail, official, client
):
    response = _page(client, official)
    assert response.status_code == 200
    text = response.content.decode()
    for said in [
        "registered a resident",
        "reserved on a resident&#x27;s behalf",
        "created a partner and its token",
        "Changed Special group.",
        "draw step: notary committed",
        reverse("admin:lottery_ceremony", args=[trail.pk]),
    ]:
        assert said in text, said
    assert "陈*婆" in text and "陈阿婆" not in text
    # Newest first: the draw's commitment came last.
    lines = response.context["lines"]
    assert [line.at for line in lines] == sorted((line.at for line in lines), reverse=True)
    assert all(line.at.utcoffset() == datetime.timedelta(hours=8) for line in lines)


def test_the_page_is_in_chinese_by_default(trail, official, client):
    client.force_login(official)
    response = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "登记了居民" in response.content.decode()


def test_search_by_actor_action_record_and_dates(trail, official, client):
    def actions(**query) -> set[str]:
        response = _page(client, official, **query)
        assert response.status_code == 200
        return {line.action for line in response.context["lines"]}

    assert actions(actor="commit") == {
        "registered a resident",
        "reserved on a resident's behalf",
        "changed",
    }
    assert actions(action="service:partner_created") == {"created a partner and its token"}
    assert actions(action="admin:2") == {"changed"}
    assert actions(action="draw:committed") == {"draw step: notary committed"}
    assert actions(target="陈*婆", action="service:resident_registered") == {
        "registered a resident"
    }
    assert actions(target=str(trail.pk), action="draw:committed") == {"draw step: notary committed"}
    entry = AuditEntry.objects.get(action=AuditAction.PARTNER_CREATED)
    day = timezone.localtime(entry.at).date()
    assert "created a partner and its token" in actions(date_from=day, date_to=day)
    assert (
        actions(date_to=day - datetime.timedelta(days=1), action="service:partner_created") == set()
    )


def test_bad_search_input_says_why_and_shows_nothing(trail, official, client):
    response = _page(client, official, date_from="2020-02-20", date_to="2020-02-19")
    assert response.status_code == 200
    assert "The first date must not be after the second." in response.content.decode()
    assert response.context["lines"] == []
    for query in [{"page": "abc"}, {"page": "0"}, {"action": "nonsense"}, {"date_from": "x"}]:
        response = _page(client, official, **query)
        assert response.status_code == 200, query
        assert response.context["form"].errors, query


def test_a_parameter_that_is_not_a_search_field_is_refused(trail, official, client):
    assert _page(client, official, actor__id="1").status_code == 400


def test_it_pages_in_sql_fifty_at_a_time(official, client, db):
    for i in range(60):
        audit_record(
            actor=official,
            action=AuditAction.OUTBOX_RETRIED,
            summary={"count": i},
            at=NOW + datetime.timedelta(minutes=i),
        )
    client.force_login(official)
    with CaptureQueriesContext(connection) as queries:
        first = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en")
    assert len(first.context["lines"]) == 50 and first.context["has_next"]
    assert first.context["lines"][0].details == "count: 59"
    # The session, the user, permissions, the draw log's actions, one page, its actors.
    assert len(queries) <= 8, "\n".join(q["sql"][:150] for q in queries.captured_queries)
    second = _page(client, official, page=2)
    assert len(second.context["lines"]) == 10 and not second.context["has_next"]
    assert second.context["lines"][-1].details == "count: 0"


def _visible_text(response) -> str:
    """What the reader sees: the page without its tags (a filter's link or option value may
    carry the stored key; its text must not)."""
    return re.sub(r"<[^>]*>", " ", response.content.decode())


def test_the_chinese_audit_page_and_draw_log_admin_name_every_draw_step_in_chinese(
    trail, official, client
):
    for action, details in DETAILS.items():
        DrawLog.objects.create(draw=trail, action=action, details=details, at=NOW)
    client.force_login(official)
    pages = [
        client.get(PAGE, HTTP_ACCEPT_LANGUAGE="zh-hans"),
        client.get(reverse("admin:lottery_drawlog_changelist"), HTTP_ACCEPT_LANGUAGE="zh-hans"),
        client.get(
            reverse(
                "admin:lottery_drawlog_change", args=[DrawLog.objects.get(action="pool_closed").pk]
            ),
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        ),
        client.get(
            reverse("admin:lottery_drawlog_changelist"),
            {"action": "pool_closed"},
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        ),
    ]
    for response in pages:
        assert response.status_code == 200
        text = _visible_text(response)
        raw = [action for action in DRAW_LOG_ACTIONS if re.search(rf"\b{action}\b", text)]
        assert raw == [], (response.request["PATH_INFO"], raw)
        assert "摇号池已截止" in text  # "pool closed", in the column, the filter, the title
    # The filter by label finds the entries of that action only.
    assert {entry.action for entry in pages[3].context["cl"].result_list} == {"pool_closed"}


def test_the_summaries_coded_values_read_as_their_labels(official, client, db):
    for summary in [
        {"step": "to_town", "parcels": 3},
        {"group": "official"},
        {"group": "superuser"},
        {"category": "elderly_alone", "community": "鼓东街道"},
    ]:
        audit_record(actor=official, action=AuditAction.OUTBOX_RETRIED, summary=summary, at=NOW)
    client.force_login(official)
    text = _visible_text(client.get(PAGE, HTTP_ACCEPT_LANGUAGE="zh-hans"))
    for raw in ["to_town", "elderly_alone", "superuser", ": official"]:
        assert raw not in text, raw
    with translation.override("zh-hans"):
        for label in [STEP_LABELS[Step.TO_TOWN], Category.ELDERLY_ALONE.label, "超级用户"]:
            assert str(label) in text, label


@pytest.mark.parametrize("persona", ["official", "notary"])
def test_officials_and_notaries_see_the_page(persona, request, client):
    assert _page(client, request.getfixturevalue(persona)).status_code == 200
    # ... linked from the admin's home.
    assert PAGE in client.get(reverse("admin:index")).content.decode()


@pytest.mark.parametrize("persona", ["committee_staff", "pickup_staff"])
def test_committee_and_pickup_staff_are_refused_the_page(persona, request, client):
    assert _page(client, request.getfixturevalue(persona)).status_code == 403


@pytest.mark.parametrize("persona", ["resident", None])
def test_residents_and_visitors_are_sent_to_the_staff_sign_in(persona, request, client):
    if persona:
        client.force_login(request.getfixturevalue(persona))
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


# --- staff accounts: deactivated, never deleted ------------------------------------------------


def test_nobody_deletes_an_account_in_the_admin(superuser, official, client):
    client.force_login(superuser)
    assert (
        client.get(reverse("admin:reservations_user_delete", args=[official.pk])).status_code == 403
    )
    response = client.post(
        reverse("admin:reservations_user_changelist"),
        {"action": "delete_selected", "_selected_action": [official.pk]},
    )
    assert User.objects.filter(pk=official.pk).exists()
    assert response.status_code in (200, 302)


def test_the_database_refuses_deleting_a_staff_account(official):
    with pytest.raises(InternalError, match="never deleted"):
        _raw(f"DELETE FROM {User._meta.db_table} WHERE id = %s", [official.pk])
    with pytest.raises(InternalError, match="never deleted"), transaction.atomic():
        official.delete()
    assert User.objects.filter(pk=official.pk).exists()


def test_an_official_deactivates_an_account_and_it_is_in_the_audit_trail(
    superuser, committee_staff, client
):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:reservations_user_changelist"),
        {"action": "deactivate", "_selected_action": [committee_staff.pk, superuser.pk]},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    text = response.content.decode()
    assert "1 account deactivated" in text
    assert "You cannot deactivate your own account." in text
    committee_staff.refresh_from_db()
    superuser.refresh_from_db()
    assert not committee_staff.is_active and superuser.is_active
    entry = AuditEntry.objects.get(action=AuditAction.STAFF_ACCOUNT_DEACTIVATED)
    assert entry.actor == superuser and entry.target_repr == "committee"
    assert not client.login(username="committee", password="pw")


def test_entries_logged_before_the_trail_are_masked_by_its_migration(registered, superuser):
    """City 0004 masks what the admin logged by `str()` before, then makes the log
    append-only; run here with the trigger set aside inside the test's transaction, as before
    the migration."""
    import importlib

    from django.apps import apps

    from city.models import Suggestion

    migration = importlib.import_module("city.migrations.0004_audit_trail")
    account = User.objects.create_user(username="resident-13800009876", phone="13800009876")
    suggestion = Suggestion.objects.create(text="我是陈阿婆，电话13800009876")
    for obj in (registered, account, suggestion, superuser):
        LogEntry.objects.log_actions(user_id=superuser.pk, queryset=[obj], action_flag=CHANGE)
    with connection.cursor() as cursor:
        table = LogEntry._meta.db_table
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending check blocks the ALTER
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER django_admin_log_append_only")
        migration.mask_the_admin_log(apps, None)
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER django_admin_log_append_only")
    reprs = {
        (entry.content_type.model, entry.object_id): entry.object_repr
        for entry in LogEntry.objects.select_related("content_type")
    }
    assert reprs["resident", str(registered.pk)] == "陈*婆"
    assert reprs["user", str(account.pk)] == f"#{account.pk}"
    assert reprs["suggestion", str(suggestion.pk)] == f"#{suggestion.pk}"
    assert reprs["user", str(superuser.pk)] == "root"
