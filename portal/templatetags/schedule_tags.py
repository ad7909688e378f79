"""The lottery's schedule as the residents' pages show it (`{% load schedule_tags %}`)."""

from django import template

from lottery.selectors import ScheduleNotice
from portal.page_cache import schedule_notice_cached

register = template.Library()


@register.simple_tag
def draw_schedule_notice() -> ScheduleNotice:
    """`{% draw_schedule_notice as notice %}`: the next draw as residents should see it, from
    the cache for a few seconds (portal.page_cache)."""
    return schedule_notice_cached()
