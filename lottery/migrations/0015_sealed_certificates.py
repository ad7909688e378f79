import hashlib
import json

import django.db.models.deletion
from django.db import migrations, models
from django.utils import timezone

from city.roles import sync_role_permissions

# Sealed certificates only grow: no UPDATE, no DELETE (row triggers), no TRUNCATE (city 0006's
# statement trigger function), and each new one extends the chain's head. Two inserts that read
# the same head both pass the insert trigger; the unique previous digest refuses the second.
APPEND_ONLY = """
CREATE FUNCTION lottery_sealedcertificate_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'sealed certificates are append-only: % is not allowed', TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER lottery_sealedcertificate_append_only
    BEFORE UPDATE OR DELETE ON lottery_sealedcertificate
    FOR EACH ROW EXECUTE FUNCTION lottery_sealedcertificate_append_only();

CREATE TRIGGER lottery_sealedcertificate_no_truncate
    BEFORE TRUNCATE ON lottery_sealedcertificate
    FOR EACH STATEMENT EXECUTE FUNCTION city_refuse_truncate();

CREATE FUNCTION lottery_sealedcertificate_extends_the_head() RETURNS trigger AS $$
DECLARE
    head varchar(64);
BEGIN
    SELECT certificate_sha256 INTO head FROM lottery_sealedcertificate ORDER BY id DESC LIMIT 1;
    IF NEW.previous_certificate_sha256 IS DISTINCT FROM head THEN
        RAISE EXCEPTION 'a sealed certificate follows the ledger''s head %, not %',
            coalesce(head, 'NULL'), coalesce(NEW.previous_certificate_sha256, 'NULL');
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER lottery_sealedcertificate_extends_the_head
    BEFORE INSERT ON lottery_sealedcertificate
    FOR EACH ROW EXECUTE FUNCTION lottery_sealedcertificate_extends_the_head();
"""

DROP = """
DROP TRIGGER lottery_sealedcertificate_extends_the_head ON lottery_sealedcertificate;
DROP FUNCTION lottery_sealedcertificate_extends_the_head();
DROP TRIGGER lottery_sealedcertificate_no_truncate ON lottery_sealedcertificate;
DROP TRIGGER lottery_sealedcertificate_append_only ON lottery_sealedcertificate;
DROP FUNCTION lottery_sealedcertificate_append_only();
"""


def _iso(moment):
    return timezone.localtime(moment).isoformat() if moment else None


def certificate_values(draw, *, sealed_at, previous_sha256) -> dict:
    """lottery.selectors.certificate_values as it stood when this migration was written, on the
    historical model: the draws sealed here get the bytes live sealing would have given them
    (tests/lottery/test_sealing.py holds the two equal)."""
    drawn = draw.status in ("drawn", "signed_off")
    return {
        "id": draw.pk,
        "algorithm": draw.algorithm,
        "status": draw.status,
        "scheduled_at": _iso(draw.scheduled_at),
        "pool_cutoff": _iso(draw.pool_cutoff),
        "drawn_at": _iso(draw.drawn_at),
        "signed_off_at": _iso(draw.signed_off_at),
        "commitment": draw.commitment or None,
        "secret": draw.secret or None,
        "public_value": draw.public_value if draw.public_value_fixed else None,
        "pool_size": draw.pool_size,
        "pool_digest": draw.pool_digest or None,
        "quota": draw.quota,
        "winners_count": draw.winners_count if drawn else None,
        "winners_digest": draw.winners_digest or None,
        "pool_merkle_root": draw.pool_merkle_root or None,
        "cutoff_rank": draw.cutoff_rank or None,
        "cutoff_number": draw.cutoff_number,
        "purchase_opens_at": _iso(draw.purchase_opens_at),
        "purchase_closes_at": _iso(draw.purchase_closes_at),
        "fairness": draw.fairness,
        "notary_statement": draw.notary_statement,
        "notarial_certificate_number": draw.notarial_certificate_number,
        "sealed_at": _iso(sealed_at),
        "previous_certificate_sha256": previous_sha256,
    }


def certificate_bytes(values: dict) -> bytes:
    return (json.dumps(values, ensure_ascii=False, indent=2) + "\n").encode()


def seal_signed_off(apps, schema_editor):
    """Draws signed off before sealing are sealed now, in sign-off order (signed_off_at, then
    id), as they stand, at one moment: the migration's."""
    Draw = apps.get_model("lottery", "Draw")
    SealedCertificate = apps.get_model("lottery", "SealedCertificate")
    now = timezone.now()
    head = SealedCertificate.objects.order_by("-id").first()
    previous = head.certificate_sha256 if head else None
    sealed = SealedCertificate.objects.values("draw_id")
    waiting = Draw.objects.filter(status="signed_off").exclude(pk__in=sealed)
    for draw in waiting.order_by("signed_off_at", "id"):
        sealed_at = max(now, head.sealed_at) if head else now
        content = certificate_bytes(
            certificate_values(draw, sealed_at=sealed_at, previous_sha256=previous)
        )
        head = SealedCertificate.objects.create(
            draw=draw,
            sealed_at=sealed_at,
            content=content,
            certificate_sha256=hashlib.sha256(content).hexdigest(),
            previous_certificate_sha256=previous,
        )
        previous = head.certificate_sha256


class Migration(migrations.Migration):
    dependencies = [
        ("lottery", "0014_pool_tree"),
    ]

    operations = [
        migrations.CreateModel(
            name="SealedCertificate",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("sealed_at", models.DateTimeField(verbose_name="sealed at")),
                ("content", models.BinaryField(verbose_name="certificate")),
                (
                    "certificate_sha256",
                    models.CharField(max_length=64, verbose_name="certificate SHA-256"),
                ),
                (
                    "previous_certificate_sha256",
                    models.CharField(
                        blank=True,
                        max_length=64,
                        null=True,
                        verbose_name="previous certificate's SHA-256",
                    ),
                ),
                (
                    "draw",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="lottery.draw",
                    ),
                ),
            ],
            options={
                "verbose_name": "sealed certificate",
                "verbose_name_plural": "sealed certificates",
                "ordering": ["id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("draw",), name="one_sealed_certificate_per_draw"
                    ),
                    models.UniqueConstraint(
                        fields=("certificate_sha256",), name="sealed_certificate_digest_unique"
                    ),
                    models.UniqueConstraint(
                        fields=("previous_certificate_sha256",),
                        name="sealed_certificate_one_successor_each",
                        nulls_distinct=False,
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("certificate_sha256__regex", "^[0-9a-f]{64}$")),
                        name="sealed_certificate_digest_format",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("previous_certificate_sha256__isnull", True),
                            ("previous_certificate_sha256__regex", "^[0-9a-f]{64}$"),
                            _connector="OR",
                        ),
                        name="sealed_certificate_previous_digest_format",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            (
                                "certificate_sha256",
                                models.Func(
                                    models.Func(models.F("content"), function="sha256"),
                                    models.Value("hex"),
                                    function="encode",
                                    output_field=models.CharField(),
                                ),
                            )
                        ),
                        name="sealed_certificate_digest_of_its_bytes",
                    ),
                ],
            },
        ),
        migrations.RunSQL(APPEND_ONLY, DROP),
        migrations.RunPython(seal_signed_off, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(sync_role_permissions, migrations.RunPython.noop),
    ]
