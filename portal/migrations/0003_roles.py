from django.db import migrations

from city.roles import sync_role_permissions


class Migration(migrations.Migration):
    """The roles once every app's models and permissions of issue 14 exist (the dashboard's,
    the ceremony's, the audit trail's): whichever app's own sync ran first could not see the
    others' yet."""

    dependencies = [
        ("portal", "0002_roles"),
        ("city", "0005_roles"),
        ("lottery", "0011_ceremony_roles"),
        ("reservations", "0019_staff_accounts_are_never_deleted"),
        ("notifications", "0008_outbox_counts"),
        ("orders", "0004_roles"),
        ("pickup", "0006_roles"),
    ]

    operations = [migrations.RunPython(sync_role_permissions, migrations.RunPython.noop)]
