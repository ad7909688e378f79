"""Sign-in codes queued in clear before sealing existed: sealed if still to send, blanked if
the gateway already had them (the forget task would blank them within 15 minutes anyway)."""

from django.db import migrations


def seal_clear_codes(apps, schema_editor):
    from notifications.sealing import SEALED_PREFIX, seal

    OutboxMessage = apps.get_model("notifications", "OutboxMessage")
    clear = (
        OutboxMessage.objects.filter(kind="sign_in_code")
        .exclude(text="")
        .exclude(text__startswith=SEALED_PREFIX)
    )
    clear.filter(state__in=["sent", "failed"]).update(text="")
    for message in clear.filter(state__in=["queued", "sending"]).only("id", "text"):
        OutboxMessage.objects.filter(pk=message.pk, text=message.text).update(
            text=seal(message.text)
        )


class Migration(migrations.Migration):
    dependencies = [("notifications", "0004_dedupe_key_one_index")]

    operations = [migrations.RunPython(seal_clear_codes, migrations.RunPython.noop)]
