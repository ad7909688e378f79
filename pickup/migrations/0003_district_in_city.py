"""The pickup point's district is city's model now (its table and this column are unchanged)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("city", "0001_initial"),
        ("pickup", "0002_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="pickuppoint",
                    name="district",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="pickup_points",
                        to="city.district",
                        verbose_name="district",
                    ),
                ),
            ],
        ),
    ]
