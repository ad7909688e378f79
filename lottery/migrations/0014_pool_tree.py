import django.db.models.deletion
import django.db.models.expressions
import django.db.models.functions.math
import django.db.models.functions.text
import django.db.models.lookups
from django.db import migrations, models

from lottery import merkle, verify


def build_trees(apps, schema_editor):
    """Draws drawn before stored trees gain theirs, from their stored pool file, checked
    against the Merkle root their certificate already carries (lottery 0013)."""
    Draw = apps.get_model("lottery", "Draw")
    DrawFile = apps.get_model("lottery", "DrawFile")
    PoolTree = apps.get_model("lottery", "PoolTree")
    drawn = Draw.objects.filter(status__in=["drawn", "signed_off"], pool_tree__isnull=True)
    for draw in drawn.order_by("pk"):
        content = bytes(DrawFile.objects.get(draw=draw, name="pool").content)
        lines = content.split(b"\n")[:-1]
        upper = merkle.upper_levels(merkle.chunk_roots(lines))
        root = upper[-1] if upper else verify.EMPTY_ROOT
        if draw.pool_merkle_root and root.hex() != draw.pool_merkle_root:
            raise RuntimeError(f"draw {draw.pk}: its pool file does not give its Merkle root")
        PoolTree.objects.create(
            draw=draw,
            pool_size=len(lines),
            chunk_firsts=merkle.chunk_firsts(lines),
            upper_levels=b"".join(upper),
        )


class Migration(migrations.Migration):
    """DOMAIN "Per-number proofs": a drawn draw's pool tree from level 8 up, so that a proof
    reads 256 lines of the pool file instead of all of it."""

    dependencies = [("lottery", "0013_certificate_proof_fields")]

    operations = [
        migrations.CreateModel(
            name="PoolTree",
            fields=[
                (
                    "draw",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        primary_key=True,
                        related_name="pool_tree",
                        serialize=False,
                        to="lottery.draw",
                    ),
                ),
                ("pool_size", models.PositiveIntegerField()),
                ("chunk_firsts", models.BinaryField()),
                ("upper_levels", models.BinaryField()),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(
                        condition=django.db.models.lookups.Exact(
                            django.db.models.functions.text.Length("chunk_firsts"),
                            django.db.models.expressions.CombinedExpression(
                                django.db.models.expressions.CombinedExpression(
                                    django.db.models.expressions.CombinedExpression(
                                        models.F("pool_size"), "+", models.Value(255)
                                    ),
                                    "/",
                                    models.Value(256),
                                ),
                                "*",
                                models.Value(8),
                            ),
                        ),
                        name="pool_tree_one_first_line_per_chunk",
                    ),
                    models.CheckConstraint(
                        condition=django.db.models.lookups.Exact(
                            django.db.models.functions.math.Mod(
                                django.db.models.functions.text.Length("upper_levels"), 32
                            ),
                            0,
                        ),
                        name="pool_tree_whole_hashes",
                    ),
                ],
            },
        ),
        # Hashes do not compress: storing them as they are spares PostgreSQL trying (0007).
        migrations.RunSQL(
            "ALTER TABLE lottery_pooltree ALTER COLUMN upper_levels SET STORAGE EXTERNAL, "
            "ALTER COLUMN chunk_firsts SET STORAGE EXTERNAL",
            migrations.RunSQL.noop,
        ),
        migrations.RunPython(build_trees, migrations.RunPython.noop, elidable=True),
    ]
