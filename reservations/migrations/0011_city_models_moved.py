"""The reference data and the campaign configuration are city's now (city 0001): this app's
state lets them go, and its foreign keys point to city's models. No table or column changes."""

import django.db.models.deletion
from django.db import migrations, models


def fk(to: str, **options):
    return models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to=to, **options)


class Migration(migrations.Migration):
    dependencies = [
        ("city", "0001_initial"),
        ("pickup", "0003_district_in_city"),
        ("reservations", "0010_shorter_document_masks"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="reservation",
                    name="community",
                    field=fk("city.community", verbose_name="community"),
                ),
                migrations.AlterField(
                    model_name="reservation",
                    name="district",
                    field=fk("city.district", db_index=False, verbose_name="district"),
                ),
                migrations.AlterField(
                    model_name="reservation",
                    name="town",
                    field=fk("city.town", db_index=False, verbose_name="town"),
                ),
                migrations.AlterField(
                    model_name="resident",
                    name="community",
                    field=fk(
                        "city.community",
                        blank=True,
                        null=True,
                        related_name="residents",
                        verbose_name="community",
                    ),
                ),
                migrations.AlterField(
                    model_name="resident",
                    name="district",
                    field=fk("city.district", blank=True, null=True, verbose_name="district"),
                ),
                migrations.AlterField(
                    model_name="resident",
                    name="town",
                    field=fk("city.town", blank=True, null=True, verbose_name="town"),
                ),
                migrations.AlterField(
                    model_name="user",
                    name="community",
                    field=fk(
                        "city.community",
                        blank=True,
                        null=True,
                        related_name="staff",
                        verbose_name="community (committee staff)",
                    ),
                ),
                migrations.DeleteModel(name="Suggestion"),
                migrations.DeleteModel(name="Community"),
                migrations.DeleteModel(name="ReservationWindow"),
                migrations.DeleteModel(name="Town"),
                migrations.DeleteModel(name="District"),
                migrations.DeleteModel(name="OtherArea"),
                migrations.DeleteModel(name="CampaignConfig"),
            ],
        ),
    ]
