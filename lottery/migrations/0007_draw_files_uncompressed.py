from django.db import migrations


class Migration(migrations.Migration):
    """Draw files are stored uncompressed: compressing a 27 MB pool file with PostgreSQL's
    default (pglz) cost the pool close about a second, and reading it back another."""

    dependencies = [("lottery", "0006_draw_wins_lapsed_at")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE lottery_drawfile ALTER COLUMN content SET STORAGE EXTERNAL",
            "ALTER TABLE lottery_drawfile ALTER COLUMN content SET STORAGE EXTENDED",
        )
    ]
