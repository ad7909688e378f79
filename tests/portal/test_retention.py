"""`purge_personal_data`: the personal data of reservations closed longer than the retention
time are erased; numbers, states and counts stay, so draws and open data read the same."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from city.models import AuditAction, AuditEntry, Suggestion
from lottery.models import DrawFile
from lottery.selectors import certificate_of
from notifications.models import Kind, OutboxMessage, State
from reservations.models import Reservation, ReservationState, Resident, SignInCode
from reservations.selectors import reservations_per_day
from reservations.services import reservation_cancel
from tests.helpers import at_once
from tests.lottery.conftest import draw  # noqa: F401 - the fixture
from tests.lottery.helpers import POOL, ceremony, seed_pool
from tests.reservations.conftest import at, campaign, make_resident  # noqa: F401 - fixtures

DAY = datetime.timedelta(days=1)


def purge(*args: str, language: str = "en") -> str:
    out = StringIO()
    with translation.override(language):
        call_command("purge_personal_data", *args, stdout=out)
    return out.getvalue()


def _reserve(resident: Resident, number: int, **fields) -> Reservation:
    return Reservation.objects.create(
        number=number,
        resident=resident,
        phone=resident.user.phone,
        district=resident.district,
        town=resident.town,
        community=resident.community,
        address="福州市台江区苍霞街道五四路123号",
        created_at=at(2020, 2, 17, 12),
        **fields,
    )


@pytest.fixture
def closed(campaign, settings):  # noqa: F811 - the fixture, imported above
    """Reservations closed long ago, lately, never (waiting), and before `closed_at` existed;
    a resident with an old closed reservation and a new waiting one; text messages; sign-in
    codes and suggestions, old and new."""
    settings.PERSONAL_DATA_RETENTION_DAYS = 90
    now = timezone.now()
    people = [
        make_resident(phone=f"1390000{700 + i:04d}", town="苍霞街道", serial=700 + i)
        for i in range(5)
    ]
    old, recent, waiting, legacy, returning = people
    _reserve(old, 20000001)
    reservation_cancel(resident=old, now=now - 100 * DAY)
    _reserve(recent, 20000002)
    reservation_cancel(resident=recent, now=now - 10 * DAY)
    _reserve(waiting, 20000003)
    _reserve(legacy, 20000004, state=ReservationState.LAPSED, won_at=now - 200 * DAY)
    _reserve(
        returning,
        20000005,
        state=ReservationState.CANCELLED,
        cancelled_at=now - 120 * DAY,
        closed_at=now - 120 * DAY,
    )
    _reserve(returning, 20000006)
    for key, state, age in [
        ("old-sent", State.SENT, 100),
        ("old-failed", State.FAILED, 100),
        ("new-sent", State.SENT, 10),
        ("old-queued", State.QUEUED, 100),
    ]:
        OutboxMessage.objects.create(
            recipient="13900000700",
            text="【福州普惠口罩】预约号20000001中签",
            kind=Kind.WIN,
            dedupe_key=key,
            state=state,
            sent_at=now if state == State.SENT else None,
            created_at=now - age * DAY,
        )
    for key, age in [("old", 100), ("new", 10)]:
        SignInCode.objects.create(
            phone="13900000700",
            code_hash=key,
            created_at=now - age * DAY,
            expires_at=now - age * DAY + datetime.timedelta(minutes=5),
        )
    for text, contact, age in [
        ("old, with a contact", "13900000700", 100),
        ("old, without", "", 100),
        ("new, with a contact", "13900000701", 10),
    ]:
        suggestion = Suggestion.objects.create(text=text, contact=contact)
        Suggestion.objects.filter(pk=suggestion.pk).update(created_at=now - age * DAY)
    return people


def _reservation(number: int) -> Reservation:
    return Reservation.objects.get(number=number)


def test_it_erases_exactly_the_reservations_closed_longer_than_the_retention_time(closed):
    old, recent, waiting, legacy, returning = closed
    out = purge()
    assert "erased 3 reservations, 2 residents, 2 text messages" in out
    for number in (20000001, 20000004, 20000005):
        reservation = _reservation(number)
        assert (reservation.phone, reservation.address) == ("", "")
        assert reservation.erased_at is not None
    for number in (20000002, 20000003, 20000006):
        reservation = _reservation(number)
        assert reservation.phone.startswith("1390000") and reservation.address
        assert reservation.erased_at is None
    # Residents with nothing newer are forgotten, to verify again if they come back.
    for resident in (old, legacy):
        resident.refresh_from_db()
        assert (resident.name, resident.document_masked, resident.street_address) == ("", "", "")
        assert resident.document_hash is None and not resident.is_verified
        assert resident.district_id and resident.community_id
    # Their sign-in accounts too: the phone (in the username as well) goes, the account
    # cannot sign in; a return is a new sign-up with the same phone.
    for resident in (old, legacy):
        resident.user.refresh_from_db()
        assert resident.user.phone is None and not resident.user.is_active
        assert resident.user.username == f"erased-{resident.user.pk}"
    for resident in (recent, waiting, returning):
        resident.refresh_from_db()
        assert resident.name == "林小梅" and resident.is_verified
        assert resident.user.phone.startswith("1390000") and resident.user.is_active
    # Numbers and states stay.
    assert _reservation(20000001).state == ReservationState.CANCELLED
    assert _reservation(20000004).state == ReservationState.LAPSED


def test_text_messages_finished_before_the_retention_time_lose_recipient_and_text(closed):
    purge()
    messages = {m.dedupe_key: m for m in OutboxMessage.objects.all()}
    for key in ("old-sent", "old-failed"):
        assert (messages[key].recipient, messages[key].text) == ("", "")
        assert messages[key].state in (State.SENT, State.FAILED)
    for key in ("new-sent", "old-queued"):  # too recent, or still to send
        assert messages[key].recipient == "13900000700" and messages[key].text


def test_old_sign_in_codes_go_and_old_suggestions_lose_their_contact(closed):
    out = purge()
    assert "1 sign-in code, 1 suggestion's contact" in out
    assert list(SignInCode.objects.values_list("code_hash", flat=True)) == ["new"]
    contacts = dict(Suggestion.objects.values_list("text", "contact"))
    assert contacts == {
        "old, with a contact": "",
        "old, without": "",
        "new, with a contact": "13900000701",
    }


def test_it_reports_in_chinese_first(closed):
    assert purge("--dry-run", language="zh-hans").startswith(
        "演练：将删除 3 条预约，2 位居民，2 条短信，1 个登录验证码，1 条意见的联系方式"
    )
    assert purge(language="zh-hans").startswith("已删除 3 条预约")
    assert purge(language="zh-hans").startswith("无需删除")


def test_a_second_run_changes_nothing_and_says_so(closed):
    purge()
    before = list(Reservation.objects.order_by("pk").values())
    residents = list(Resident.objects.order_by("pk").values())
    out = purge()
    assert out.startswith("nothing to erase")
    assert list(Reservation.objects.order_by("pk").values()) == before
    assert list(Resident.objects.order_by("pk").values()) == residents
    assert AuditEntry.objects.filter(action=AuditAction.PERSONAL_DATA_ERASED).count() == 1


def test_it_is_audited_with_its_counts(closed):
    purge()
    entry = AuditEntry.objects.get(action=AuditAction.PERSONAL_DATA_ERASED)
    assert entry.actor is None
    assert entry.summary["retention_days"] == 90
    assert entry.summary["cutoff"].endswith("+08:00")  # shown as it is, in Beijing time
    assert (
        entry.summary["reservations"],
        entry.summary["residents"],
        entry.summary["outbox_messages"],
        entry.summary["sign_in_codes"],
        entry.summary["suggestion_contacts"],
    ) == (3, 2, 2, 1, 1)


def test_a_dry_run_prints_the_counts_and_changes_nothing(closed):
    before = list(Reservation.objects.order_by("pk").values())
    out = purge("--dry-run")
    assert "would erase 3 reservations, 2 residents, 2 text messages" in out
    assert "1 sign-in code, 1 suggestion's contact" in out
    assert list(Reservation.objects.order_by("pk").values()) == before
    assert not AuditEntry.objects.filter(action=AuditAction.PERSONAL_DATA_ERASED).exists()
    assert OutboxMessage.objects.exclude(recipient="").count() == 4
    assert SignInCode.objects.count() == 2
    assert Suggestion.objects.exclude(contact="").count() == 2


@pytest.mark.parametrize("days", [0, -30, "ninety", 1.5, None])
def test_a_nonsense_retention_setting_is_refused_and_nothing_erased(closed, settings, days):
    settings.PERSONAL_DATA_RETENTION_DAYS = days
    with pytest.raises(CommandError, match="PERSONAL_DATA_RETENTION_DAYS must be a whole number"):
        purge()
    assert not Reservation.objects.filter(erased_at__isnull=False).exists()


def test_published_draws_and_daily_counts_read_the_same_after_erasing(
    draw,  # noqa: F811 - the fixture, imported above
    settings,
):
    settings.PERSONAL_DATA_RETENTION_DAYS = 30
    seed_pool(POOL, made=at(2020, 2, 17, 12))
    draw = ceremony(draw, quota=2)
    # Long after: the winners' windows lapsed, the others cancelled.
    Reservation.objects.filter(state=ReservationState.WON).update(
        state=ReservationState.LAPSED, closed_at=at(2020, 2, 20, 14)
    )
    Reservation.objects.filter(state=ReservationState.WAITING).update(
        state=ReservationState.CANCELLED,
        cancelled_at=at(2020, 3, 1),
        closed_at=at(2020, 3, 1),
    )
    certificate = certificate_of(draw=draw)
    files = {f.name: bytes(f.content) for f in DrawFile.objects.filter(draw=draw)}
    daily = reservations_per_day()
    states = sorted(Reservation.objects.values_list("number", "state"))
    assert "erased 6 reservations" in purge()
    assert certificate_of(draw=draw) == certificate
    assert {f.name: bytes(f.content) for f in DrawFile.objects.filter(draw=draw)} == files
    assert reservations_per_day() == daily
    assert sorted(Reservation.objects.values_list("number", "state")) == states


@pytest.fixture
def closed_committed(transactional_db, closed):
    """The same, committed, for runs on connections of their own."""
    return closed


def test_two_runs_at_once_erase_each_row_once(closed_committed):
    from portal.services import personal_data_purge

    def attempt():
        purged = personal_data_purge(retention_days=90, now=timezone.now())
        return (
            purged.reservations,
            purged.residents,
            purged.outbox_messages,
            purged.sign_in_codes,
            purged.suggestion_contacts,
        )

    outcomes = at_once(2, attempt)
    assert sorted(outcomes) == sorted(["(3, 2, 2, 1, 1)", "(0, 0, 0, 0, 0)"])
    assert AuditEntry.objects.filter(action=AuditAction.PERSONAL_DATA_ERASED).count() == 1
    assert Reservation.objects.filter(erased_at__isnull=False).count() == 3
