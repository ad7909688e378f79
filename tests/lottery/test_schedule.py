"""Beat keeps the draws of rule 5 scheduled and closes their pools at the cut-off; officials
postpone, cancel and pause, with reasons residents read."""

import datetime

import pytest

from city.errors import Refused
from city.models import AuditAction, AuditEntry
from lottery import services
from lottery.models import Draw, DrawStatus, SchedulePause
from tests.helpers import at_once
from tests.lottery.helpers import COMMITMENT, seed_pool
from tests.reservations.conftest import at

pytestmark = pytest.mark.django_db


def test_beat_schedules_the_next_two_draws_of_rule_5_with_their_cut_offs(campaign):
    made = services.schedule_keep(now=at(2020, 2, 17, 8, 0))

    assert [(d.scheduled_at, d.pool_cutoff) for d in made] == [
        (at(2020, 2, 19, 10, 0), at(2020, 2, 18, 21, 0)),
        (at(2020, 2, 21, 10, 0), at(2020, 2, 20, 21, 0)),
    ]
    assert all(d.kind == Draw.Kind.REGULAR and d.status == DrawStatus.SCHEDULED for d in made)
    assert made[0].purchase_opens_at == at(2020, 2, 19, 14, 0)
    assert made[0].purchase_closes_at == at(2020, 2, 20, 14, 0)
    assert [entry.action for entry in made[0].log.all()] == ["scheduled"]


def test_scheduling_again_makes_nothing_twice(campaign):
    services.schedule_keep(now=at(2020, 2, 17, 8, 0))
    assert services.schedule_keep(now=at(2020, 2, 17, 8, 10)) == []

    # After the first cut-off, the next slot joins.
    later = services.schedule_keep(now=at(2020, 2, 18, 21, 0, 1))
    assert [d.scheduled_at for d in later] == [at(2020, 2, 23, 10, 0)]
    assert Draw.objects.count() == 3


def test_a_slot_whose_pool_already_closed_is_not_scheduled(campaign):
    made = services.schedule_keep(now=at(2020, 2, 18, 22, 0))

    assert [d.scheduled_at for d in made] == [at(2020, 2, 21, 10, 0), at(2020, 2, 23, 10, 0)]


@pytest.mark.django_db(transaction=True)
def test_two_beats_at_once_make_each_draw_once(fuzhou):
    from city.models import CampaignConfig

    CampaignConfig.objects.filter(pk=1).update(start_date=datetime.date(2020, 2, 17))

    outcomes = at_once(4, lambda: len(services.schedule_keep(now=at(2020, 2, 17, 8, 0))))

    assert sum(int(outcome) for outcome in outcomes) == 2
    assert Draw.objects.count() == 2


def test_beat_closes_a_committed_pool_at_its_cut_off_with_the_planned_quota(campaign):
    services.supply_record(arrived_on=datetime.date(2020, 2, 18), masks=1000)  # 100 packs
    draw, _ = services.schedule_keep(now=at(2020, 2, 17, 8, 0))
    seed_pool([10000001, 10000002, 10000003], made=at(2020, 2, 18, 10, 0))
    services.draw_commit(draw=draw, notary=None, commitment=COMMITMENT, now=at(2020, 2, 18, 9))
    services.draw_plan_quota(draw=draw, quota=40, actor=None)

    assert services.pools_close_due(now=at(2020, 2, 18, 20, 59, 59)) == []
    closed = services.pools_close_due(now=at(2020, 2, 18, 21, 0, 30))

    assert [d.pk for d in closed] == [draw.pk]
    draw.refresh_from_db()
    assert (draw.status, draw.quota, draw.pool_size) == (DrawStatus.POOL_CLOSED, 40, 3)
    assert draw.pool_cutoff == at(2020, 2, 18, 21, 0)  # the cut-off, not the beat's moment
    assert services.pools_close_due(now=at(2020, 2, 18, 21, 1)) == []  # once


def test_without_a_planned_quota_the_pool_closes_with_the_whole_stock(campaign):
    services.supply_record(arrived_on=datetime.date(2020, 2, 18), masks=250)  # 25 packs
    draw, _ = services.schedule_keep(now=at(2020, 2, 17, 8, 0))
    services.draw_commit(draw=draw, notary=None, commitment=COMMITMENT, now=at(2020, 2, 18, 9))

    services.pools_close_due(now=at(2020, 2, 18, 21, 0))

    draw.refresh_from_db()
    assert draw.quota == 25


def test_a_planned_quota_above_a_shrunken_stock_is_lowered_to_it_and_logged(campaign):
    arrival = services.supply_record(arrived_on=datetime.date(2020, 2, 18), masks=1000)
    draw, _ = services.schedule_keep(now=at(2020, 2, 17, 8, 0))
    services.draw_commit(draw=draw, notary=None, commitment=COMMITMENT, now=at(2020, 2, 18, 9))
    services.draw_plan_quota(draw=draw, quota=100, actor=None)
    # An extra draw used 30 packs of the stock meanwhile.
    from lottery.models import SupplyArrival

    SupplyArrival.objects.filter(pk=arrival.pk).update(masks=700)

    services.pools_close_due(now=at(2020, 2, 18, 21, 0))

    draw.refresh_from_db()
    assert draw.quota == 70
    assert "quota_lowered_to_stock" in [entry.action for entry in draw.log.all()]


def test_a_planned_quota_cannot_exceed_the_stock_nor_change_after_the_pool_closed(campaign):
    services.supply_record(arrived_on=datetime.date(2020, 2, 18), masks=100)  # 10 packs
    draw, _ = services.schedule_keep(now=at(2020, 2, 17, 8, 0))

    with pytest.raises(Refused) as refusal:
        services.draw_plan_quota(draw=draw, quota=11, actor=None)
    assert refusal.value.code == "quota_above_stock"

    services.draw_commit(draw=draw, notary=None, commitment=COMMITMENT, now=at(2020, 2, 18, 9))
    services.pools_close_due(now=at(2020, 2, 18, 21, 0))
    with pytest.raises(Refused) as refusal:
        services.draw_plan_quota(draw=draw, quota=5, actor=None)
    assert refusal.value.code == "wrong_state"


def test_a_pool_without_a_commitment_is_not_closed_at_its_cut_off(campaign):
    draw, _ = services.schedule_keep(now=at(2020, 2, 17, 8, 0))

    assert services.pools_close_due(now=at(2020, 2, 18, 21, 5)) == []

    draw.refresh_from_db()
    assert draw.status == DrawStatus.SCHEDULED


def test_a_pool_waits_while_another_pool_is_closed_and_not_drawn(campaign):
    services.supply_record(arrived_on=datetime.date(2020, 2, 18), masks=1000)
    first, second = services.schedule_keep(now=at(2020, 2, 17, 8, 0))
    for draw in (first, second):
        services.draw_commit(draw=draw, notary=None, commitment=COMMITMENT, now=at(2020, 2, 18))
    services.pools_close_due(now=at(2020, 2, 18, 21, 0))

    assert services.pools_close_due(now=at(2020, 2, 20, 21, 0)) == []

    second.refresh_from_db()
    assert second.status == DrawStatus.COMMITTED


def test_a_postponed_draw_is_replaced_by_one_carrying_its_slot_and_commitment(campaign, official):
    draw, _ = services.schedule_keep(now=at(2020, 2, 17, 8, 0))
    services.draw_commit(draw=draw, notary=None, commitment=COMMITMENT, now=at(2020, 2, 17, 9))

    new = services.draw_postpone(
        draw=draw,
        scheduled_at=at(2020, 2, 20, 10, 0),
        reason="  Supply  short ",
        actor=official,
        now=at(2020, 2, 17, 10),
    )

    draw.refresh_from_db()
    assert (draw.status, draw.reason, draw.postponed_to) == (
        DrawStatus.POSTPONED,
        "Supply short",
        new,
    )
    assert (new.status, new.commitment, new.slot) == (DrawStatus.COMMITTED, COMMITMENT, draw.slot)
    assert (new.scheduled_at, new.pool_cutoff) == (at(2020, 2, 20, 10), at(2020, 2, 19, 21))
    assert new.purchase_opens_at == at(2020, 2, 20, 14, 0)
    # The slot stays filled: beat does not bring the old time back.
    assert services.schedule_keep(now=at(2020, 2, 17, 11)) == []
    assert [e.action for e in draw.log.all()][-1] == "postponed"
    assert draw.log.last().actor == official


def test_postponing_needs_a_reason_a_time_ahead_and_an_open_pool(campaign):
    services.supply_record(arrived_on=datetime.date(2020, 2, 18), masks=1000)
    draw, _ = services.schedule_keep(now=at(2020, 2, 17, 8, 0))
    now = at(2020, 2, 17, 10)

    def postpone(**overrides):
        arguments = {
            "draw": draw,
            "scheduled_at": at(2020, 2, 20, 10),
            "reason": "supply short",
            "actor": None,
            "now": now,
        }
        with pytest.raises(Refused) as refusal:
            services.draw_postpone(**{**arguments, **overrides})
        return refusal.value.code

    assert postpone(reason="   ") == "reason_required"
    assert postpone(reason="x" * 201) == "reason_too_long"
    assert postpone(scheduled_at=at(2020, 2, 17, 9)) == "in_the_past"
    assert postpone(pool_cutoff=at(2020, 2, 20, 11)) == "bad_times"
    services.draw_commit(draw=draw, notary=None, commitment=COMMITMENT, now=now)
    services.pools_close_due(now=at(2020, 2, 18, 21))
    assert postpone(now=at(2020, 2, 18, 22)) == "wrong_state"
    draw.refresh_from_db()
    assert draw.status == DrawStatus.POOL_CLOSED


def test_a_draw_can_be_cancelled_until_its_public_value_is_fixed(campaign):
    services.supply_record(arrived_on=datetime.date(2020, 2, 18), masks=1000)
    first, second = services.schedule_keep(now=at(2020, 2, 17, 8, 0))

    services.draw_cancel(draw=second, reason="supply short", actor=None)
    second.refresh_from_db()
    assert (second.status, second.reason) == (DrawStatus.CANCELLED, "supply short")

    seed_pool([10000001], made=at(2020, 2, 18, 10))
    services.draw_commit(draw=first, notary=None, commitment=COMMITMENT, now=at(2020, 2, 18))
    services.pools_close_due(now=at(2020, 2, 18, 21))
    first.refresh_from_db()
    # Once the public value is fixed the notary could work out the winners: no more cancelling.
    services.draw_fix_public_value(draw=first, value="1", actor=None)
    with pytest.raises(Refused) as refusal:
        services.draw_cancel(draw=first, reason="we did not like it", actor=None)
    assert refusal.value.code == "wrong_state"


def test_pausing_cancels_the_coming_regular_draws_and_stops_the_schedule(campaign, official):
    services.supply_record(arrived_on=datetime.date(2020, 2, 18), masks=1000)
    first, second = services.schedule_keep(now=at(2020, 2, 17, 8, 0))
    extra = services.draw_add_extra(
        scheduled_at=at(2020, 2, 18, 16), pool_cutoff=at(2020, 2, 18, 15), actor=official
    )

    services.schedule_pause(reason="supply short", actor=official, now=at(2020, 2, 17, 12))

    statuses = dict(Draw.objects.values_list("pk", "status"))
    assert statuses == {
        first.pk: DrawStatus.CANCELLED,
        second.pk: DrawStatus.CANCELLED,
        extra.pk: DrawStatus.SCHEDULED,  # extra draws stay the officials' to hold
    }
    assert services.schedule_keep(now=at(2020, 2, 20, 8)) == []
    with pytest.raises(Refused) as refusal:
        services.schedule_pause(reason="again", actor=official, now=at(2020, 2, 17, 13))
    assert refusal.value.code == "already_paused"

    resumed = services.schedule_resume(actor=official, now=at(2020, 2, 22, 8))

    assert [d.scheduled_at for d in resumed] == [at(2020, 2, 23, 10), at(2020, 2, 25, 10)]
    pause = SchedulePause.objects.get()
    assert (pause.in_force, pause.ended_by) == (False, official)
    with pytest.raises(Refused) as refusal:
        services.schedule_resume(actor=official, now=at(2020, 2, 22, 9))
    assert refusal.value.code == "not_paused"


@pytest.mark.django_db(transaction=True)
def test_two_officials_pausing_at_once_make_one_pause(fuzhou):
    outcomes = at_once(
        4, lambda: services.schedule_pause(reason="short", actor=None, now=at(2020, 2, 17)).pk
    )

    assert sorted(outcomes).count("already_paused") == 3
    assert SchedulePause.objects.count() == 1


def test_a_draw_cancelled_after_its_pool_closed_lets_the_next_pool_close(campaign):
    services.supply_record(arrived_on=datetime.date(2020, 2, 18), masks=1000)
    first, second = services.schedule_keep(now=at(2020, 2, 17, 8, 0))
    seed_pool([10000001, 10000002], made=at(2020, 2, 18, 10))
    for draw in (first, second):
        services.draw_commit(draw=draw, notary=None, commitment=COMMITMENT, now=at(2020, 2, 18))
    services.pools_close_due(now=at(2020, 2, 18, 21))

    services.draw_cancel(draw=first, reason="the notary fell ill", actor=None)
    closed = services.pools_close_due(now=at(2020, 2, 20, 21))

    assert [d.pk for d in closed] == [second.pk]
    assert closed[0].pool_size == 2  # its reservations are in the next pool


def test_a_pool_closed_late_holds_exactly_the_reservations_made_before_its_cut_off(campaign):
    services.supply_record(arrived_on=datetime.date(2020, 2, 18), masks=1000)
    draw, _ = services.schedule_keep(now=at(2020, 2, 17, 8, 0))
    services.draw_commit(draw=draw, notary=None, commitment=COMMITMENT, now=at(2020, 2, 18))
    seed_pool([10000001], made=at(2020, 2, 18, 20, 59, 59))
    seed_pool([10000002], made=at(2020, 2, 18, 21, 0))  # at the cut-off: the next pool

    (closed,) = services.pools_close_due(now=at(2020, 2, 18, 23, 30))  # beat was down

    assert closed.pool_size == 1
    assert closed.pool_cutoff == at(2020, 2, 18, 21, 0)


def test_a_draw_held_late_gives_its_winners_a_window_still_ahead(campaign):
    from tests.lottery.helpers import SECRET

    services.supply_record(arrived_on=datetime.date(2020, 2, 18), masks=1000)
    draw, _ = services.schedule_keep(now=at(2020, 2, 17, 8, 0))
    seed_pool([10000001], made=at(2020, 2, 18, 10))
    services.draw_commit(draw=draw, notary=None, commitment=COMMITMENT, now=at(2020, 2, 18))
    services.pools_close_due(now=at(2020, 2, 18, 21))
    draw.refresh_from_db()
    services.draw_fix_public_value(draw=draw, value="1", actor=None)
    services.draw_reveal(draw=draw, secret=SECRET, notary=None)

    # Its window (19 Feb 14:00 to 20 Feb 14:00) has passed when the draw is at last held.
    draw = services.draw_run(draw=draw, actor=None, now=at(2020, 2, 21, 9, 0))

    assert (draw.purchase_opens_at, draw.purchase_closes_at) == (
        at(2020, 2, 21, 14, 0),
        at(2020, 2, 22, 14, 0),
    )


def test_resuming_on_the_day_of_the_pause_brings_the_cancelled_draws_back(campaign):
    first, second = services.schedule_keep(now=at(2020, 2, 17, 8, 0))
    services.schedule_pause(reason="short", actor=None, now=at(2020, 2, 17, 9))

    resumed = services.schedule_resume(actor=None, now=at(2020, 2, 17, 12))

    assert [d.scheduled_at for d in resumed] == [first.scheduled_at, second.scheduled_at]
    first.refresh_from_db()
    assert first.status == DrawStatus.CANCELLED  # the old record stays, with its reason


def test_a_changed_draw_time_does_not_give_a_day_two_regular_draws(campaign):
    from city.models import CampaignConfig

    services.schedule_keep(now=at(2020, 2, 17, 8, 0))
    CampaignConfig.objects.update(draw_time=datetime.time(15, 0))

    made = services.schedule_keep(now=at(2020, 2, 17, 9, 0))

    assert made == []
    assert Draw.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_while_a_pause_is_in_force_no_regular_draw_waits_to_be_held(fuzhou):
    from city.models import CampaignConfig

    CampaignConfig.objects.filter(pk=1).update(start_date=datetime.date(2020, 2, 17))
    calls = iter(range(8))

    def keep_or_pause():
        if next(calls) % 2:
            return services.schedule_pause(reason="short", actor=None, now=at(2020, 2, 17)).pk
        return len(services.schedule_keep(now=at(2020, 2, 17, 8, 0)))

    at_once(8, keep_or_pause)

    assert SchedulePause.objects.filter(in_force=True).count() == 1
    assert not Draw.objects.filter(status__in=[DrawStatus.SCHEDULED, DrawStatus.COMMITTED]).exists()


@pytest.mark.django_db(transaction=True)
def test_two_pools_closing_at_once_close_one_and_refuse_the_other(fuzhou):
    from city.models import CampaignConfig

    CampaignConfig.objects.filter(pk=1).update(start_date=datetime.date(2020, 2, 17))
    services.supply_record(arrived_on=datetime.date(2020, 2, 18), masks=1000)
    first, second = services.schedule_keep(now=at(2020, 2, 17, 8, 0))
    for draw in (first, second):
        services.draw_commit(draw=draw, notary=None, commitment=COMMITMENT, now=at(2020, 2, 18))
    draws = iter([first, second])

    outcomes = at_once(
        2,
        lambda: (
            services.draw_close_pool(
                draw=next(draws), quota=1, actor=None, now=at(2020, 2, 20, 21)
            ).status
        ),
    )

    assert sorted(outcomes) == ["another_closed", "pool_closed"]


def test_a_pause_is_a_record_that_can_only_be_ended_once(campaign):
    from django.db import DatabaseError, transaction

    pause = services.schedule_pause(reason="supply short", actor=None, now=at(2020, 2, 17))
    paused = SchedulePause.objects.filter(pk=pause.pk)

    with pytest.raises(DatabaseError), transaction.atomic():
        paused.update(reason="something else")
    with pytest.raises(DatabaseError), transaction.atomic():
        paused.delete()
    services.schedule_resume(actor=None, now=at(2020, 2, 18))
    with pytest.raises(DatabaseError), transaction.atomic():
        paused.update(in_force=True, ended_at=None)
    assert paused.get().reason == "supply short"


LOTTERY_ACTIONS = [
    AuditAction.SUPPLY_RECORDED,
    AuditAction.SCHEDULE_PAUSED,
    AuditAction.SCHEDULE_RESUMED,
]


def test_pausing_resuming_and_recording_supply_are_in_the_audit_trail(campaign, official):
    arrival = services.supply_record(
        arrived_on=datetime.date(2020, 2, 18), masks=1000, actor=official
    )
    first, second = services.schedule_keep(now=at(2020, 2, 17, 8, 0))
    pause = services.schedule_pause(reason="supply short", actor=official, now=at(2020, 2, 17, 12))
    services.schedule_resume(actor=official, now=at(2020, 2, 22, 8))

    entries = AuditEntry.objects.filter(action__in=LOTTERY_ACTIONS).order_by("id")
    assert [(e.action, e.actor, e.target_type, e.target_id) for e in entries] == [
        (AuditAction.SUPPLY_RECORDED, official, "lottery.supplyarrival", str(arrival.pk)),
        (AuditAction.SCHEDULE_PAUSED, official, "lottery.schedulepause", str(pause.pk)),
        (AuditAction.SCHEDULE_RESUMED, official, "lottery.schedulepause", str(pause.pk)),
    ]
    assert entries[0].summary == {"arrived_on": "2020-02-18", "masks": 1000}
    assert entries[1].summary == {
        "reason": "supply short",
        "draws_cancelled": [first.pk, second.pk],
    }


def test_a_refused_pause_or_resume_leaves_no_audit_entry(campaign, official):
    with pytest.raises(Refused):
        services.schedule_resume(actor=official, now=at(2020, 2, 17, 8))
    services.schedule_pause(reason="short", actor=official, now=at(2020, 2, 17, 9))
    with pytest.raises(Refused):
        services.schedule_pause(reason="again", actor=official, now=at(2020, 2, 17, 10))

    assert list(
        AuditEntry.objects.filter(action__in=LOTTERY_ACTIONS).values_list("action", flat=True)
    ) == [AuditAction.SCHEDULE_PAUSED]
