from django.db import migrations

from city.roles import sync_role_permissions


class Migration(migrations.Migration):
    """Committee staff register and see residents; officials read residents and reservations."""

    dependencies = [
        ("reservations", "0003_residents_and_reservations"),
        ("notifications", "0002_roles"),
    ]

    operations = [migrations.RunPython(sync_role_permissions, migrations.RunPython.noop)]
