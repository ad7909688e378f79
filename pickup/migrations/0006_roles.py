from django.db import migrations

from city.roles import sync_role_permissions


class Migration(migrations.Migration):
    """Pickup staff receive batches and hand parcels on; committee staff record the last two
    steps; officials read them and say which towns collect at their point."""

    dependencies = [("pickup", "0005_batches_and_parcels")]

    operations = [migrations.RunPython(sync_role_permissions, migrations.RunPython.noop)]
