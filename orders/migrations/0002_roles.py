from django.db import migrations

from city.roles import sync_role_permissions


class Migration(migrations.Migration):
    """Officials see partners and revoke their tokens."""

    dependencies = [("orders", "0001_initial"), ("lottery", "0003_roles")]

    operations = [migrations.RunPython(sync_role_permissions, migrations.RunPython.noop)]
