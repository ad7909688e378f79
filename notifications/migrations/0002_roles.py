from django.db import migrations

from city.roles import sync_role_permissions


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("reservations", "0002_roles"),
    ]

    operations = [migrations.RunPython(sync_role_permissions, migrations.RunPython.noop)]
