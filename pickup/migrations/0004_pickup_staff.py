"""Pickup staff belong to their point through pickup's own record, not a column of the user (the
user model stands below pickup). Every `reservations_user.pickup_point_id` is carried over here
before reservations 0013 drops that column."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def carry_over(apps, schema_editor):
    User = apps.get_model("reservations", "User")
    PickupStaff = apps.get_model("pickup", "PickupStaff")
    PickupStaff.objects.bulk_create(
        PickupStaff(user_id=user_id, point_id=point_id)
        for user_id, point_id in User.objects.filter(pickup_point__isnull=False).values_list(
            "pk", "pickup_point_id"
        )
    )


def carry_back(apps, schema_editor):
    User = apps.get_model("reservations", "User")
    PickupStaff = apps.get_model("pickup", "PickupStaff")
    for user_id, point_id in PickupStaff.objects.values_list("user_id", "point_id"):
        User.objects.filter(pk=user_id).update(pickup_point_id=point_id)


class Migration(migrations.Migration):
    dependencies = [
        ("pickup", "0003_district_in_city"),
        ("reservations", "0012_wins_and_pool_snapshots"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PickupStaff",
            fields=[
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="pickup_staff",
                        serialize=False,
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="account",
                    ),
                ),
                (
                    "point",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="staff",
                        to="pickup.pickuppoint",
                        verbose_name="pickup point",
                    ),
                ),
            ],
            options={
                "verbose_name": "pickup point staff member",
                "verbose_name_plural": "pickup point staff",
            },
        ),
        migrations.RunPython(carry_over, carry_back),
    ]
