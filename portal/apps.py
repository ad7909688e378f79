from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The top layer: the pages composed above every app (home, FAQ, help, sign-in and "My
    reservation"), the schedule's template tags, and demo set-up. Nothing below imports it."""

    name = "portal"
    verbose_name = _("Residents' pages")

    def ready(self) -> None:
        from django.db import transaction
        from django.db.models.signals import post_delete, post_save

        from city.models import CampaignConfig, District, ReservationWindow
        from lottery.models import Draw, SchedulePause
        from portal import page_cache

        def forget_home(sender, **kwargs) -> None:
            # After the commit: dropped earlier, a request could copy the old rows again.
            transaction.on_commit(page_cache.home_forget)

        # What the home page shows (portal/page_cache.py). Strong references: the handler is
        # local to this method, and a weak one would be collected when it returns.
        for model in (CampaignConfig, District, ReservationWindow, Draw, SchedulePause):
            for signal in (post_save, post_delete):
                signal.connect(forget_home, sender=model, weak=False)
