from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The top layer: the pages composed above every app (home, FAQ, help, sign-in and "My
    reservation"), the schedule's template tags, and demo set-up. Nothing below imports it."""

    name = "portal"
    verbose_name = _("Residents' pages")
