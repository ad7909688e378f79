"""The anonymous suggestions form is limited per source and for the whole site."""

import pytest
from django.urls import reverse

from city.models import Suggestion
from portal.services import suggestion_submit
from tests.helpers import at_once

pytestmark = pytest.mark.django_db


def suggest(client, text: str = "希望增加晚上的预约时段", ip: str = "203.0.113.7", **extra):
    return client.post(reverse("help"), {"text": text}, REMOTE_ADDR=ip, **extra)


def test_it_refuses_a_source_over_its_hourly_limit_in_the_readers_language(client, fuzhou):
    for n in range(10):  # the default, SUGGESTIONS_PER_IP_PER_HOUR
        assert suggest(client, f"意见 {n}").status_code == 302
    response = suggest(client, "第十一条意见", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert 3500 < int(response["Retry-After"]) <= 3600
    body = response.content.decode()
    assert "Please try again in 60 minutes." in body
    assert "第十一条意见" in body  # what they wrote is still in the form
    assert Suggestion.objects.count() == 10

    chinese = suggest(client, "第十二条意见")
    assert chinese.status_code == 429
    assert "请60分钟后再试" in chinese.content.decode()
    assert not Suggestion.objects.filter(text__startswith="第十").exists()


def test_another_source_is_not_held_back_by_one_that_flooded(client, fuzhou, settings):
    settings.SUGGESTIONS_PER_IP_PER_HOUR = 2
    for _ in range(5):
        suggest(client, ip="203.0.113.7")
    assert suggest(client, ip="198.51.100.9").status_code == 302
    assert Suggestion.objects.count() == 3


def test_the_site_wide_limit_holds_across_sources(client, fuzhou, settings):
    settings.SUGGESTIONS_SITE_PER_MINUTE = 3
    statuses = [suggest(client, ip=f"198.51.100.{n}").status_code for n in range(1, 6)]
    assert statuses == [302, 302, 302, 429, 429]
    response = suggest(client, ip="198.51.100.77", HTTP_ACCEPT_LANGUAGE="en")
    assert 0 < int(response["Retry-After"]) <= 60
    assert "Many messages are arriving right now. Please try again in 1 minute." in (
        response.content.decode()
    )
    assert Suggestion.objects.count() == 3


def test_a_refused_source_does_not_use_up_the_sites_share(client, fuzhou, settings):
    settings.SUGGESTIONS_PER_IP_PER_HOUR = 1
    settings.SUGGESTIONS_SITE_PER_MINUTE = 3
    for _ in range(20):
        suggest(client, ip="203.0.113.7")
    assert suggest(client, ip="198.51.100.1").status_code == 302
    assert suggest(client, ip="198.51.100.2").status_code == 302
    assert Suggestion.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_simultaneous_posts_from_one_source_save_no_more_than_the_limit(settings):
    settings.SUGGESTIONS_PER_IP_PER_HOUR = 5
    outcomes = at_once(
        20, lambda: suggestion_submit(text="同时提交", source="203.0.113.7").pk and "saved"
    )
    assert sorted(outcomes) == ["saved"] * 5 + ["too_many_suggestions"] * 15
    assert Suggestion.objects.count() == 5
