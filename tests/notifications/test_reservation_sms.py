"""Each new reservation is confirmed by one SMS with its number, in the resident's language:
reserved through the page, by the step-by-step path, or by a committee on someone's behalf."""

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse

from notifications.models import Kind, OutboxMessage, Priority, State
from notifications.services import message_enqueue
from reservations.models import Reservation
from reservations.services import reservation_create
from tests.notifications.test_outbox import drain_until_empty
from tests.reservations.conftest import at
from tests.reservations.test_committee import BEFORE_DEADLINE, reserve_on_behalf

pytestmark = pytest.mark.django_db


def confirmations():
    return list(OutboxMessage.objects.filter(kind=Kind.RESERVATION_CONFIRMED))


def test_reserving_through_the_page_queues_an_sms_with_the_number(client, taijiang_resident):
    client.force_login(taijiang_resident.user)
    with time_machine.travel(at(2020, 2, 18, 11, 30), tick=False):
        client.post(reverse("reserve"))
    reservation = Reservation.objects.get()
    [message] = confirmations()
    assert message.recipient == "+8613800000011"
    assert reservation.number_display in message.text
    assert "福州" in message.text and "摇号" in message.text
    assert message.dedupe_key == f"reservation-confirmed:{reservation.pk}"
    assert message.state == State.QUEUED


def test_the_sms_is_in_the_resident_s_language(client, taijiang_resident):
    taijiang_resident.language = "en"
    taijiang_resident.save(update_fields=["language"])
    client.force_login(taijiang_resident.user)
    with time_machine.travel(at(2020, 2, 18, 11, 30), tick=False):
        client.post(reverse("reserve"))
    [message] = confirmations()
    number = Reservation.objects.get().number_display
    assert message.text.startswith("[Fuzhou Puhui masks] Reserved: your number is " + number)
    assert "draws page" in message.text


def test_confirmations_queue_behind_sign_in_codes():
    from notifications.models import KIND_PRIORITY

    assert KIND_PRIORITY[Kind.RESERVATION_CONFIRMED] > KIND_PRIORITY[Kind.SIGN_IN_CODE]
    assert KIND_PRIORITY[Kind.SIGN_IN_CODE] == Priority.URGENT


def test_the_step_by_step_path_confirms_too(taijiang_resident):
    reservation = reservation_create(resident=taijiang_resident, now=at(2020, 2, 18, 11, 30))
    [message] = confirmations()
    assert reservation.number_display in message.text


def test_a_second_enqueue_for_the_same_reservation_is_deduplicated(client, taijiang_resident):
    client.force_login(taijiang_resident.user)
    with time_machine.travel(at(2020, 2, 18, 11, 30), tick=False):
        client.post(reverse("reserve"))
    reservation = Reservation.objects.get()
    message_enqueue(
        recipient="+8613800000011",
        kind=Kind.RESERVATION_CONFIRMED,
        dedupe_key=f"reservation-confirmed:{reservation.pk}",
        context={"number": reservation.number_display},
    )
    assert len(confirmations()) == 1


def test_a_refused_reservation_sends_nothing(client, taijiang_resident):
    client.force_login(taijiang_resident.user)
    with time_machine.travel(at(2020, 2, 18, 9, 30), tick=False):  # Taijiang's window: 11-13
        client.post(reverse("reserve"))
    assert not Reservation.objects.exists()
    assert confirmations() == []


def test_a_rolled_back_reservation_sends_nothing(taijiang_resident):
    with pytest.raises(RuntimeError), transaction.atomic():
        reservation_create(resident=taijiang_resident, now=at(2020, 2, 18, 11, 30))
        raise RuntimeError("the caller fails after reserving")
    assert confirmations() == []


def test_the_confirmation_reaches_the_loopback_gateway(client, taijiang_resident, http_sms):
    client.force_login(taijiang_resident.user)
    with time_machine.travel(at(2020, 2, 18, 11, 30), tick=False):
        client.post(reverse("reserve"))
    drain_until_empty()
    number = Reservation.objects.get().number_display
    [received] = [r for r in http_sms.received if number in r["text"]]
    assert received["to"] == "+8613800000011"
    assert confirmations()[0].state == State.SENT


def test_a_committee_s_reservation_is_confirmed_to_its_mobile_for_messages(
    staff_client, registered
):
    community = registered.community
    community.sms_phone = "13900001111"
    community.save(update_fields=["sms_phone"])
    with time_machine.travel(BEFORE_DEADLINE, tick=False):
        reserve_on_behalf(staff_client, registered)
    [message] = confirmations()
    assert message.recipient == "+8613900001111"
    assert Reservation.objects.get().number_display in message.text
    assert message.state == State.QUEUED


def test_a_committee_with_only_a_fixed_line_has_its_confirmation_refused_on_record(
    staff_client, registered
):
    with time_machine.travel(BEFORE_DEADLINE, tick=False):
        reserve_on_behalf(staff_client, registered)
    [message] = confirmations()
    assert message.recipient == registered.community.phone
    assert message.state == State.REFUSED


def test_reserving_wakes_no_worker_beat_sends_the_confirmation(
    client, taijiang_resident, settings, django_capture_on_commit_callbacks
):
    settings.SMS_DRAIN_ON_COMMIT = True
    client.force_login(taijiang_resident.user)
    with (
        time_machine.travel(at(2020, 2, 18, 11, 30), tick=False),
        django_capture_on_commit_callbacks() as callbacks,
    ):
        client.post(reverse("reserve"))
    assert len(confirmations()) == 1
    assert callbacks == []
