from django.db import migrations

from city.roles import sync_role_permissions


class Migration(migrations.Migration):
    """Officials add partners; officials, committee staff and pickup-point staff read orders
    (scoped in the admin)."""

    dependencies = [("orders", "0003_order")]

    operations = [migrations.RunPython(sync_role_permissions, migrations.RunPython.noop)]
