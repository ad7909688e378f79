"""A reservation's whole life is this app's: the draw's record of wins (`Win`, first made by the
lottery) moves here and keeps its table, and a new `PoolSnapshot` records each draw's frozen
pool, so that nothing here reads the lottery's tables. The draw a reservation won in, and a win's
draw, become plain integers (the lottery stands above): the columns and their values stay, only
the foreign-key constraints to `lottery_draw` go.
"""

import django.db.models.deletion
from django.db import migrations, models

# Every foreign-key constraint from `table` to lottery_draw, dropped; and put back on reversal.
DROP_FK = """
DO $$
DECLARE name text;
BEGIN
    FOR name IN
        SELECT conname FROM pg_constraint
        WHERE conrelid = '{table}'::regclass AND contype = 'f'
          AND confrelid = 'lottery_draw'::regclass
    LOOP
        EXECUTE format('ALTER TABLE {table} DROP CONSTRAINT %I', name);
    END LOOP;
END $$;
"""
ADD_FK = """
ALTER TABLE {table} ADD CONSTRAINT {table}_{column}_fk_lottery_draw_id
    FOREIGN KEY ({column}) REFERENCES lottery_draw (id) DEFERRABLE INITIALLY DEFERRED;
"""

# Each draw whose pool ever closed, as the lottery recorded it.
SNAPSHOTS = """
INSERT INTO reservations_poolsnapshot (draw_id, cutoff, state, frozen_at, drawn_at)
SELECT id, pool_cutoff,
       CASE WHEN status = 'pool_closed' THEN 'frozen'
            WHEN status IN ('drawn', 'signed_off') AND wins_settled_at IS NULL THEN 'drawn'
            WHEN status IN ('drawn', 'signed_off') THEN 'settled'
            ELSE 'voided' END,
       closed_at,
       CASE WHEN status IN ('drawn', 'signed_off') THEN coalesce(drawn_at, closed_at) END
FROM lottery_draw
WHERE closed_at IS NOT NULL AND status IN ('pool_closed', 'drawn', 'signed_off', 'cancelled')
ORDER BY id;
"""


def rename_win(source: str, target: str):
    def rename(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        if not ContentType.objects.filter(app_label=target, model="win").exists():
            ContentType.objects.filter(app_label=source, model="win").update(app_label=target)

    return rename


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("lottery", "0008_wins_ledger"),
        ("reservations", "0011_city_models_moved"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    DROP_FK.format(table="reservations_reservation"),
                    ADD_FK.format(table="reservations_reservation", column="won_draw_id"),
                ),
                migrations.RunSQL(
                    DROP_FK.format(table="lottery_win"),
                    ADD_FK.format(table="lottery_win", column="draw_id"),
                ),
            ],
            state_operations=[
                migrations.RemoveField(model_name="reservation", name="won_draw"),
                migrations.AddField(
                    model_name="reservation",
                    name="won_draw_id",
                    field=models.BigIntegerField(
                        blank=True, db_index=True, null=True, verbose_name="won in draw"
                    ),
                ),
                migrations.CreateModel(
                    name="Win",
                    fields=[
                        (
                            "reservation",
                            models.OneToOneField(
                                db_constraint=False,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                primary_key=True,
                                related_name="win",
                                serialize=False,
                                to="reservations.reservation",
                                verbose_name="reservation",
                            ),
                        ),
                        ("draw_id", models.BigIntegerField(db_index=True, verbose_name="draw")),
                    ],
                    options={
                        "verbose_name": "win",
                        "verbose_name_plural": "wins",
                        "db_table": "lottery_win",
                    },
                ),
            ],
        ),
        migrations.RunPython(
            rename_win("lottery", "reservations"), rename_win("reservations", "lottery")
        ),
        migrations.CreateModel(
            name="PoolSnapshot",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("draw_id", models.BigIntegerField(unique=True, verbose_name="draw")),
                ("cutoff", models.DateTimeField(verbose_name="pool cut-off")),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("frozen", "frozen: the draw is still to run"),
                            ("drawn", "drawn: its wins are being settled"),
                            ("settled", "drawn and settled"),
                            ("voided", "voided: the draw was cancelled"),
                        ],
                        default="frozen",
                        max_length=10,
                        verbose_name="state",
                    ),
                ),
                ("frozen_at", models.DateTimeField(verbose_name="frozen at")),
                ("drawn_at", models.DateTimeField(blank=True, null=True, verbose_name="drawn at")),
            ],
            options={
                "verbose_name": "pool snapshot",
                "verbose_name_plural": "pool snapshots",
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("state", "frozen")),
                        fields=("state",),
                        name="one_frozen_pool",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(
                                ("drawn_at__isnull", False), ("state__in", ["drawn", "settled"])
                            ),
                            models.Q(
                                ("state__in", ["frozen", "voided"]), ("drawn_at__isnull", True)
                            ),
                            _connector="OR",
                        ),
                        name="pool_snapshot_drawn_when_drawn",
                    ),
                ],
            },
        ),
        migrations.RunSQL(SNAPSHOTS, "DELETE FROM reservations_poolsnapshot"),
    ]
