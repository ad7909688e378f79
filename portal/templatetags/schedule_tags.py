"""The lottery's schedule as the residents' pages show it (`{% load schedule_tags %}`)."""

from django import template

from lottery.selectors import ScheduleNotice, schedule_notice

register = template.Library()


@register.simple_tag
def draw_schedule_notice() -> ScheduleNotice:
    """`{% draw_schedule_notice as notice %}`: the next draw as residents should see it."""
    return schedule_notice()
