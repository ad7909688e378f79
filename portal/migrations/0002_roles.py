from django.db import migrations

from city.roles import sync_role_permissions


class Migration(migrations.Migration):
    """Officials and notaries see the dashboard at the admin home."""

    dependencies = [("portal", "0001_dashboard")]

    operations = [migrations.RunPython(sync_role_permissions, migrations.RunPython.noop)]
