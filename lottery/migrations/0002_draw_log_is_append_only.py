from django.db import migrations

APPEND_ONLY = """
CREATE FUNCTION lottery_drawlog_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the draw log is append-only: % is not allowed', TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER lottery_drawlog_append_only
    BEFORE UPDATE OR DELETE ON lottery_drawlog
    FOR EACH ROW EXECUTE FUNCTION lottery_drawlog_append_only();
"""

DROP = """
DROP TRIGGER lottery_drawlog_append_only ON lottery_drawlog;
DROP FUNCTION lottery_drawlog_append_only();
"""


class Migration(migrations.Migration):
    """Nobody edits or deletes the record of a draw: not the admin, not a script."""

    dependencies = [("lottery", "0001_initial")]

    operations = [migrations.RunSQL(APPEND_ONLY, DROP)]
