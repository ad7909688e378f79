import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from city.models import CampaignConfig
from city.selectors import campaign_get
from lottery.schedule import draw_pool_cutoff, draw_schedule_next
from tests.helpers import shanghai

pytestmark = pytest.mark.django_db


def test_defaults_are_the_bracketed_defaults_of_the_rulebook():
    config = CampaignConfig()
    assert config.pack_size == 10
    assert config.unit_price == Decimal("3.00")
    assert config.first_draw_after_days == 2
    assert config.draw_interval_days == 2
    assert config.draw_time == datetime.time(10, 0)
    assert config.pool_cutoff_days_before == 1
    assert config.pool_cutoff_time == datetime.time(21, 0)
    assert config.purchase_opens_at == datetime.time(14, 0)
    assert config.purchase_window_hours == 24
    assert config.cooldown_days == 10
    assert config.pickup_cutoff_time == datetime.time(12, 0)
    assert config.pickup_delivery_time == datetime.time(15, 0)
    assert config.start_date == datetime.date(2020, 2, 17)
    assert config.committee_registration_deadline >= config.start_date


def test_campaign_get_returns_the_defaults_before_anything_is_saved():
    assert campaign_get().pack_size == 10
    assert not CampaignConfig.objects.exists()


def test_there_is_only_ever_one_configuration(fuzhou):
    with pytest.raises(IntegrityError), transaction.atomic():
        CampaignConfig.objects.create(id=2)


def test_a_pack_of_no_masks_is_refused_by_the_database(fuzhou):
    with pytest.raises(IntegrityError), transaction.atomic():
        CampaignConfig.objects.filter(pk=1).update(pack_size=0)


def test_the_first_draw_is_two_days_after_the_start_at_ten():
    config = CampaignConfig(start_date=datetime.date(2020, 2, 17))
    first = shanghai(2020, 2, 19, 10, 0)
    assert draw_schedule_next(config=config, now=shanghai(2020, 2, 16, 12, 0)) == first
    assert draw_schedule_next(config=config, now=first) == first


def test_later_draws_follow_every_two_days():
    config = CampaignConfig(start_date=datetime.date(2020, 2, 17))
    after_first = shanghai(2020, 2, 19, 10, 0, 1)
    assert draw_schedule_next(config=config, now=after_first) == shanghai(2020, 2, 21, 10, 0)
    on_third = shanghai(2020, 2, 23, 10, 0)
    assert draw_schedule_next(config=config, now=on_third) == on_third


def test_the_pool_closes_at_nine_the_evening_before():
    config = CampaignConfig()
    cutoff = draw_pool_cutoff(config=config, draw_at=shanghai(2020, 2, 19, 10, 0))
    assert cutoff == shanghai(2020, 2, 18, 21, 0)
