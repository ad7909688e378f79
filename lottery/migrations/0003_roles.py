from django.db import migrations

from city.roles import sync_role_permissions


class Migration(migrations.Migration):
    """Officials record supply and read draws; notaries read draws and their log."""

    dependencies = [
        ("lottery", "0002_draw_log_is_append_only"),
        ("reservations", "0005_reservation_won_draw"),
    ]

    operations = [migrations.RunPython(sync_role_permissions, migrations.RunPython.noop)]
