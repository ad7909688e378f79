from django.db import migrations

from city.roles import sync_role_permissions


class Migration(migrations.Migration):
    """Officials and notaries read the audit trail."""

    dependencies = [("city", "0004_audit_trail")]

    operations = [migrations.RunPython(sync_role_permissions, migrations.RunPython.noop)]
