from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CityConfig(AppConfig):
    """The kernel every app stands on: the city's geography, its campaign configuration, the
    staff roles, and what every app shares (refusals, phones, admin helpers)."""

    name = "city"
    verbose_name = _("City and campaign")
