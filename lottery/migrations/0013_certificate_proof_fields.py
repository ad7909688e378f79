import hashlib

from django.db import migrations, models

from lottery import verify


def backfill(apps, schema_editor):
    """Draws drawn before per-number proofs gain their Merkle root and cut-off, recomputed from
    their stored pool file and revealed secret by the public verifier's own rules."""
    Draw = apps.get_model("lottery", "Draw")
    DrawFile = apps.get_model("lottery", "DrawFile")
    for draw in Draw.objects.filter(status__in=["drawn", "signed_off"], pool_merkle_root=""):
        content = bytes(DrawFile.objects.get(draw=draw, name="pool").content)
        pool = verify.parse_numbers(content)
        key = verify.draw_key(
            bytes.fromhex(draw.secret), hashlib.sha256(content).hexdigest(), draw.public_value
        )
        cut = verify.cutoff(key, pool, draw.quota or 0)
        draw.pool_merkle_root = verify.merkle_root(pool).hex()
        draw.cutoff_rank = cut[0].hex() if cut else ""
        draw.cutoff_number = cut[1] if cut else None
        draw.save(update_fields=["pool_merkle_root", "cutoff_rank", "cutoff_number"])


class Migration(migrations.Migration):
    """DOMAIN "Per-number proofs": each certificate carries its pool's Merkle root and cut-off."""

    dependencies = [("lottery", "0012_draw_log_index_truncate_refused")]

    operations = [
        migrations.AddField(
            model_name="draw",
            name="pool_merkle_root",
            field=models.CharField(blank=True, max_length=64, verbose_name="pool Merkle root"),
        ),
        migrations.AddField(
            model_name="draw",
            name="cutoff_rank",
            field=models.CharField(blank=True, max_length=64, verbose_name="cut-off rank"),
        ),
        migrations.AddField(
            model_name="draw",
            name="cutoff_number",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="cut-off number"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
