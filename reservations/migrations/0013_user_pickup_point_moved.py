"""`User.pickup_point` is now `pickup.PickupStaff` (pickup 0004 carried every value over)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("pickup", "0004_pickup_staff"),
        ("reservations", "0012_wins_and_pool_snapshots"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="user", name="user_belongs_to_at_most_one_place"),
        migrations.RemoveField(model_name="user", name="pickup_point"),
    ]
