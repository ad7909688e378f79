from django.db import models
from django.utils.translation import gettext_lazy as _


class Dashboard(models.Model):
    """No table: the holder of the permission to see the officials' dashboard
    (`portal.view_dashboard`, given to officials and notaries in city/roles.py), so that the
    admin home checks a permission, not a group's name."""

    class Meta:
        managed = False
        default_permissions = ("view",)
        verbose_name = _("dashboard")
        verbose_name_plural = _("dashboard")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)
