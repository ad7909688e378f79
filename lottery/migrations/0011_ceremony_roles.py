from django.db import migrations

from city.roles import sync_role_permissions


class Migration(migrations.Migration):
    """Officials run draw ceremonies; notaries notarise them (lottery.run_ceremony,
    lottery.notarise)."""

    dependencies = [("lottery", "0010_draw_sign_off_statement_and_ceremony_permissions")]

    operations = [migrations.RunPython(sync_role_permissions, migrations.RunPython.noop)]
