"""The reference data and the campaign configuration move from `reservations` to `city`.

Their tables stay as they are (each model names its table), so this only tells Django's state
that the models are city's now, and renames their content types, so that every permission (and
every group holding it) and every admin log entry keeps pointing at them.
"""

import datetime
from decimal import Decimal

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import city.models

MOVED = [
    "district",
    "town",
    "community",
    "reservationwindow",
    "campaignconfig",
    "otherarea",
    "suggestion",
]


def rename_content_types(source: str, target: str):
    def rename(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        for model in MOVED:
            if not ContentType.objects.filter(app_label=target, model=model).exists():
                ContentType.objects.filter(app_label=source, model=model).update(app_label=target)

    return rename


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("reservations", "0010_shorter_document_masks"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="District",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("code", models.SlugField(max_length=20, unique=True, verbose_name="code")),
                        ("name", models.CharField(max_length=50, unique=True, verbose_name="name")),
                        (
                            "name_en",
                            models.CharField(
                                blank=True, max_length=100, verbose_name="English name"
                            ),
                        ),
                        (
                            "sort_order",
                            models.PositiveSmallIntegerField(default=0, verbose_name="sort order"),
                        ),
                    ],
                    options={
                        "verbose_name": "district",
                        "verbose_name_plural": "districts",
                        "db_table": "reservations_district",
                        "ordering": ["sort_order", "id"],
                    },
                    bases=(city.models.BilingualNameMixin, models.Model),
                ),
                migrations.CreateModel(
                    name="OtherArea",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("name", models.CharField(max_length=50, unique=True, verbose_name="name")),
                        (
                            "name_en",
                            models.CharField(
                                blank=True, max_length=100, verbose_name="English name"
                            ),
                        ),
                        ("phone", models.CharField(max_length=60, verbose_name="contact line")),
                        (
                            "sort_order",
                            models.PositiveSmallIntegerField(default=0, verbose_name="sort order"),
                        ),
                    ],
                    options={
                        "verbose_name": "other county or zone",
                        "verbose_name_plural": "other counties and zones",
                        "db_table": "reservations_otherarea",
                        "ordering": ["sort_order", "id"],
                    },
                    bases=(city.models.BilingualNameMixin, models.Model),
                ),
                migrations.CreateModel(
                    name="CampaignConfig",
                    fields=[
                        (
                            "id",
                            models.PositiveSmallIntegerField(
                                default=1, editable=False, primary_key=True, serialize=False
                            ),
                        ),
                        (
                            "start_date",
                            models.DateField(
                                default=datetime.date(2020, 2, 17),
                                help_text="Reservations open daily from this date (rule 2).",
                                verbose_name="start date",
                            ),
                        ),
                        (
                            "product_name",
                            models.CharField(
                                default="普惠口罩（成人型）",
                                help_text="Rule 8.",
                                max_length=100,
                                verbose_name="product",
                            ),
                        ),
                        (
                            "pack_size",
                            models.PositiveSmallIntegerField(
                                default=10,
                                validators=[django.core.validators.MinValueValidator(1)],
                                verbose_name="masks per pack",
                            ),
                        ),
                        (
                            "unit_price",
                            models.DecimalField(
                                decimal_places=2,
                                default=Decimal("3.00"),
                                max_digits=8,
                                validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                                verbose_name="price per pack (yuan)",
                            ),
                        ),
                        (
                            "first_draw_after_days",
                            models.PositiveSmallIntegerField(
                                default=2, verbose_name="first draw, days after the start date"
                            ),
                        ),
                        (
                            "draw_interval_days",
                            models.PositiveSmallIntegerField(
                                default=2,
                                validators=[django.core.validators.MinValueValidator(1)],
                                verbose_name="days between draws",
                            ),
                        ),
                        (
                            "draw_time",
                            models.TimeField(
                                default=datetime.time(10, 0), verbose_name="draw time"
                            ),
                        ),
                        (
                            "pool_cutoff_days_before",
                            models.PositiveSmallIntegerField(
                                default=1, verbose_name="pool closes, days before the draw day"
                            ),
                        ),
                        (
                            "pool_cutoff_time",
                            models.TimeField(
                                default=datetime.time(21, 0),
                                help_text="Rule 5: after every reservation window of that day.",
                                verbose_name="pool cut-off time",
                            ),
                        ),
                        (
                            "purchase_opens_at",
                            models.TimeField(
                                default=datetime.time(14, 0),
                                verbose_name="purchase window opens on the draw day at",
                            ),
                        ),
                        (
                            "purchase_window_hours",
                            models.PositiveSmallIntegerField(
                                default=24,
                                validators=[django.core.validators.MinValueValidator(1)],
                                verbose_name="purchase window length (hours)",
                            ),
                        ),
                        (
                            "cooldown_days",
                            models.PositiveSmallIntegerField(
                                default=10,
                                help_text="Rule 7: from 00:00 of this day after the draw day.",
                                verbose_name="days after a draw before a winner may reserve again",
                            ),
                        ),
                        (
                            "lapse_reminder_hours",
                            models.PositiveSmallIntegerField(
                                default=4,
                                help_text="Winners who have not ordered get one SMS this long before their win lapses; 0 sends none.",
                                verbose_name="reminder to order, hours before the purchase window closes",
                            ),
                        ),
                        (
                            "pickup_cutoff_time",
                            models.TimeField(
                                default=datetime.time(12, 0),
                                verbose_name="pickup-point order cut-off",
                            ),
                        ),
                        (
                            "pickup_delivery_time",
                            models.TimeField(
                                default=datetime.time(15, 0),
                                verbose_name="daily delivery to pickup points at",
                            ),
                        ),
                        (
                            "committee_registration_deadline",
                            models.DateField(
                                default=datetime.date(2020, 2, 20),
                                help_text="Rule 10: committees register special groups up to and including this date.",
                                verbose_name="committee registration deadline",
                            ),
                        ),
                        (
                            "city_hotline",
                            models.CharField(
                                default="12345", max_length=30, verbose_name="city hotline"
                            ),
                        ),
                        (
                            "city_hotline_name",
                            models.CharField(
                                default="福州市12345便民服务平台",
                                max_length=100,
                                verbose_name="city hotline name",
                            ),
                        ),
                        (
                            "city_hotline_name_en",
                            models.CharField(
                                default="Fuzhou 12345 citizen service hotline",
                                max_length=100,
                                verbose_name="city hotline name (English)",
                            ),
                        ),
                        (
                            "updated_at",
                            models.DateTimeField(auto_now=True, verbose_name="updated at"),
                        ),
                    ],
                    options={
                        "verbose_name": "campaign configuration",
                        "verbose_name_plural": "campaign configuration",
                        "db_table": "reservations_campaignconfig",
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("id", 1)), name="campaign_config_is_single_row"
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("pack_size__gte", 1)),
                                name="campaign_pack_size_positive",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("unit_price__gte", 0)),
                                name="campaign_unit_price_not_negative",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("draw_interval_days__gte", 1)),
                                name="campaign_draw_interval_positive",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("purchase_window_hours__gte", 1)),
                                name="campaign_purchase_window_positive",
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Suggestion",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "text",
                            models.TextField(max_length=2000, verbose_name="comment or suggestion"),
                        ),
                        (
                            "contact",
                            models.CharField(
                                blank=True, max_length=100, verbose_name="contact (optional)"
                            ),
                        ),
                        (
                            "language",
                            models.CharField(blank=True, max_length=10, verbose_name="language"),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(
                                auto_now_add=True, db_index=True, verbose_name="received at"
                            ),
                        ),
                        (
                            "read_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="read at"),
                        ),
                        (
                            "read_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="read by",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "suggestion",
                        "verbose_name_plural": "comments and suggestions",
                        "db_table": "reservations_suggestion",
                        "ordering": ["-created_at"],
                    },
                ),
                migrations.CreateModel(
                    name="Town",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("name", models.CharField(max_length=50, verbose_name="name")),
                        (
                            "name_en",
                            models.CharField(
                                blank=True, max_length=100, verbose_name="English name"
                            ),
                        ),
                        (
                            "in_delivery_range",
                            models.BooleanField(
                                default=True, verbose_name="inside the delivery range"
                            ),
                        ),
                        (
                            "district",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="towns",
                                to="city.district",
                                verbose_name="district",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "town",
                        "verbose_name_plural": "towns",
                        "db_table": "reservations_town",
                        "ordering": ["district__sort_order", "id"],
                    },
                    bases=(city.models.BilingualNameMixin, models.Model),
                ),
                migrations.CreateModel(
                    name="Community",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("name", models.CharField(max_length=80, verbose_name="name")),
                        (
                            "name_en",
                            models.CharField(
                                blank=True, max_length=150, verbose_name="English name"
                            ),
                        ),
                        ("phone", models.CharField(max_length=30, verbose_name="phone")),
                        ("address", models.CharField(max_length=200, verbose_name="address")),
                        (
                            "town",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="communities",
                                to="city.town",
                                verbose_name="town",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "community",
                        "verbose_name_plural": "communities",
                        "db_table": "reservations_community",
                        "ordering": ["town__district__sort_order", "town_id", "id"],
                    },
                    bases=(city.models.BilingualNameMixin, models.Model),
                ),
                migrations.CreateModel(
                    name="ReservationWindow",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("opens_at", models.TimeField(verbose_name="opens at")),
                        ("closes_at", models.TimeField(verbose_name="closes at")),
                        (
                            "district",
                            models.ForeignKey(
                                blank=True,
                                help_text="Leave empty for a window shared by all districts.",
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="windows",
                                to="city.district",
                                verbose_name="district",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "reservation window",
                        "verbose_name_plural": "reservation windows",
                        "db_table": "reservations_reservationwindow",
                        "ordering": ["opens_at"],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("opens_at__lt", models.F("closes_at"))),
                                name="window_opens_before_it_closes",
                            ),
                            models.UniqueConstraint(
                                fields=("district", "opens_at"),
                                name="window_unique_per_district_and_start",
                                nulls_distinct=False,
                            ),
                        ],
                    },
                ),
                migrations.AddConstraint(
                    model_name="town",
                    constraint=models.UniqueConstraint(
                        fields=("district", "name"), name="town_name_unique_in_district"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="community",
                    constraint=models.UniqueConstraint(
                        fields=("town", "name"), name="community_name_unique_in_town"
                    ),
                ),
            ],
        ),
        migrations.RunPython(
            rename_content_types("reservations", "city"),
            rename_content_types("city", "reservations"),
        ),
    ]
