"""The record of wins is reservations' now (reservations 0012), table and rows unchanged."""

from django.db import migrations


def drop_stale_content_type(apps, schema_editor):
    # On a new database a migration between reservations 0012 and this one can make a content
    # type for both models of one table; the lottery's is the stale one. (An existing database
    # had its content type renamed by reservations 0012 and has none.)
    ContentType = apps.get_model("contenttypes", "ContentType")
    if ContentType.objects.filter(app_label="reservations", model="win").exists():
        ContentType.objects.filter(app_label="lottery", model="win").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("lottery", "0008_wins_ledger"),
        ("reservations", "0012_wins_and_pool_snapshots"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name="Win")],
        ),
        migrations.RunPython(drop_stale_content_type, migrations.RunPython.noop),
    ]
