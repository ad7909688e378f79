"""The staff roles of DOMAIN.md's table, as Django groups and their permissions.

Migrations call `sync_role_permissions` so a fresh database has the groups at once; a later
feature that adds models adds its permissions here and a migration that calls it again.
"""

from django.utils.translation import gettext_lazy as _

OFFICIAL = "official"
NOTARY = "notary"
COMMITTEE_STAFF = "committee_staff"
PICKUP_STAFF = "pickup_staff"

# The roles as people say them (the groups' names are keys, kept in English for the code).
ROLE_LABELS = {
    OFFICIAL: _("official"),
    NOTARY: _("notary"),
    COMMITTEE_STAFF: _("committee staff"),
    PICKUP_STAFF: _("pickup staff"),
}

ALL_ACTIONS = ("view", "add", "change", "delete")

# "app_label.model": actions, each Django's `<action>_<model>` or, for a model's own
# `Meta.permissions`, its codename (`run_ceremony`). Officials run the campaign; notaries read
# and notarise; committee and pickup staff read the reference data they work in (their own
# residents and batches come later).
ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    OFFICIAL: {
        "city.district": ALL_ACTIONS,
        "city.town": ALL_ACTIONS,
        "city.community": ALL_ACTIONS,
        "city.reservationwindow": ALL_ACTIONS,
        "city.campaignconfig": ("view", "change"),
        "city.otherarea": ALL_ACTIONS,
        "city.suggestion": ("view", "change"),
        "pickup.pickuppoint": ALL_ACTIONS,
        # The batches and parcels, with the counts of those overdue or missing.
        "pickup.batch": ("view",),
        "pickup.parcel": ("view",),
        # Which towns collect at their point (the point's decision, recorded by officials).
        "pickup.collectatpoint": ALL_ACTIONS,
        "reservations.resident": ("view",),
        "reservations.reservation": ("view",),
        "lottery.supplyarrival": ("view", "add"),
        "orders.partner": ("view", "add", "change"),
        "orders.order": ("view",),
        # Run the ceremony: plan, close, fix the public value, start, postpone, cancel, pause.
        "lottery.draw": ("view", "run_ceremony"),
        "lottery.drawlog": ("view",),
        "lottery.sealedcertificate": ("view",),
        # Read the outbox, and retry failed messages.
        "notifications.outboxmessage": ("view", "change"),
        # The admin home's figures and charts (portal.dashboard_views).
        "portal.dashboard": ("view",),
        # The audit page: the admin's log, staff's changes and the draw logs (portal.audit).
        "city.auditentry": ("view",),
    },
    NOTARY: {
        "city.campaignconfig": ("view",),
        "city.district": ("view",),
        # Commit, reveal and sign off (with membership of this group: lottery.admin).
        "lottery.draw": ("view", "notarise"),
        "lottery.drawlog": ("view",),
        "lottery.sealedcertificate": ("view",),
        "lottery.supplyarrival": ("view",),
        "portal.dashboard": ("view",),
        "city.auditentry": ("view",),
    },
    COMMITTEE_STAFF: {
        "city.district": ("view",),
        "city.town": ("view",),
        "city.community": ("view",),
        # Their own community's residents only (the admin scopes the querysets).
        "reservations.resident": ("view", "add", "change"),
        "reservations.reservation": ("view",),
        # Their residents' orders (scoped in the admin).
        "orders.order": ("view",),
        # Their community's parcels: they record the last two steps (scoped in the admin).
        "pickup.parcel": ("view", "change"),
    },
    PICKUP_STAFF: {
        "city.district": ("view",),
        "city.town": ("view",),
        "pickup.pickuppoint": ("view",),
        # The orders routed to their point (scoped in the admin).
        "orders.order": ("view",),
        # Their point's batches and parcels: receipt and the hand-over steps.
        "pickup.batch": ("view", "change"),
        "pickup.parcel": ("view", "change"),
        "pickup.collectatpoint": ("view",),
    },
}


def _codename(action: str, model: str) -> str:
    return f"{action}_{model}" if action in ALL_ACTIONS else action


def sync_role_permissions(apps, schema_editor=None) -> None:
    """Create each group and set its permissions to exactly those listed above."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after `migrate` finishes; make sure they exist now.
    # (Historical app configs have no models module, which create_permissions would skip.)
    for app_config in apps.get_app_configs():
        original = getattr(app_config, "models_module", None)
        app_config.models_module = original or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = original

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, models in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        wanted = []
        for label, actions in models.items():
            app_label, model = label.split(".")
            # A model whose app has not migrated yet is skipped here; the migration that
            # creates it calls this function again.
            wanted += Permission.objects.filter(
                content_type__app_label=app_label,
                content_type__model=model,
                codename__in=[_codename(action, model) for action in actions],
            )
        group.permissions.set(wanted)
