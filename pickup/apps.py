from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PickupConfig(AppConfig):
    name = "pickup"
    verbose_name = _("Delivery and pickup points")

    def ready(self) -> None:
        from city.signals import reference_data_loaded
        from pickup.services import pickup_points_load

        # The kernel loads the city's reference data; the pickup points in it are pickup's.
        reference_data_loaded.connect(pickup_points_load, dispatch_uid="pickup_points_load")
