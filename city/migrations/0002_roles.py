"""The roles' permissions, once every moved model has its new app label (city 0001, reservations
0012) and pickup staff have their own model (pickup 0004)."""

from django.db import migrations

from city.roles import sync_role_permissions


class Migration(migrations.Migration):
    dependencies = [
        ("city", "0001_initial"),
        ("lottery", "0009_win_is_reservations"),
        ("notifications", "0005_seal_sign_in_codes"),
        ("orders", "0004_roles"),
        ("pickup", "0004_pickup_staff"),
        ("reservations", "0013_user_pickup_point_moved"),
    ]

    operations = [migrations.RunPython(sync_role_permissions, migrations.RunPython.noop)]
