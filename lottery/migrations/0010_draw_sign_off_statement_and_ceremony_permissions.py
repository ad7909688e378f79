"""The notary's sign-off records a statement and the notarial certificate's number; the
ceremony's two roles become permissions (issue 14)."""

from django.conf import settings
from django.db import migrations, models

# Draws signed off before this migration have neither (NULL): they were not asked for. From
# now on a draw becomes signed off only with both, whatever writes it.
SIGNED_OFF_WITH_STATEMENT = """
CREATE FUNCTION lottery_draw_signed_off_with_statement() RETURNS trigger AS $$
BEGIN
    IF NEW.status = 'signed_off'
       AND (TG_OP = 'INSERT' OR OLD.status <> 'signed_off')
       AND (NEW.notary_statement IS NULL OR NEW.notarial_certificate_number IS NULL) THEN
        RAISE EXCEPTION 'a draw is signed off with the notary''s statement and certificate number'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER lottery_draw_signed_off_with_statement
    BEFORE INSERT OR UPDATE ON lottery_draw
    FOR EACH ROW EXECUTE FUNCTION lottery_draw_signed_off_with_statement();
"""

DROP = """
DROP TRIGGER lottery_draw_signed_off_with_statement ON lottery_draw;
DROP FUNCTION lottery_draw_signed_off_with_statement();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("lottery", "0009_win_is_reservations"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="draw",
            options={
                "ordering": ["-scheduled_at"],
                "permissions": [
                    ("run_ceremony", "Can run draw ceremonies"),
                    ("notarise", "Can notarise draws"),
                ],
                "verbose_name": "draw",
                "verbose_name_plural": "draws",
            },
        ),
        migrations.AddField(
            model_name="draw",
            name="notarial_certificate_number",
            field=models.CharField(
                blank=True, max_length=60, null=True, verbose_name="notarial certificate number"
            ),
        ),
        migrations.AddField(
            model_name="draw",
            name="notary_statement",
            field=models.TextField(blank=True, null=True, verbose_name="notary's statement"),
        ),
        migrations.AddConstraint(
            model_name="draw",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("notarial_certificate_number__isnull", True),
                        ("notary_statement__isnull", True),
                    ),
                    models.Q(
                        ("status", "signed_off"),
                        models.Q(("notary_statement", ""), _negated=True),
                        models.Q(("notarial_certificate_number", ""), _negated=True),
                    ),
                    _connector="OR",
                ),
                name="draw_sign_off_statement_complete",
            ),
        ),
        migrations.RunSQL(SIGNED_OFF_WITH_STATEMENT, DROP),
    ]
