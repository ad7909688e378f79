from django.db import migrations, models


def home_deliveries_delivered(apps, schema_editor) -> None:
    """Home deliveries the partner reported delivered were stored `collected` (the only end
    there was): they are `delivered` now, and `collected` means a pickup-point pack the
    resident collected. Reads orders' table, which stands above: a one-off move of data."""
    Reservation = apps.get_model("reservations", "Reservation")
    Order = apps.get_model("orders", "Order")
    delivered_home = Order.objects.filter(fulfilment="delivery", status="delivered")
    Reservation.objects.filter(
        state="collected", pk__in=delivered_home.values("reservation_id")
    ).update(state="delivered")


def delivered_collected(apps, schema_editor) -> None:
    Reservation = apps.get_model("reservations", "Reservation")
    Reservation.objects.filter(state="delivered").update(state="collected")


class Migration(migrations.Migration):
    """A new state, `delivered` (rule 4: "or delivered home"), and the home deliveries moved
    to it."""

    dependencies = [
        ("reservations", "0014_committee_wins"),
        ("orders", "0004_roles"),
    ]

    operations = [
        migrations.AlterField(
            model_name="reservation",
            name="state",
            field=models.CharField(
                choices=[
                    ("waiting", "waiting for a draw"),
                    ("won", "won"),
                    ("ordered", "ordered"),
                    ("collected", "collected"),
                    ("delivered", "delivered home"),
                    ("lapsed", "lapsed"),
                    ("cancelled", "cancelled"),
                ],
                default="waiting",
                max_length=10,
                verbose_name="state",
            ),
        ),
        migrations.RunPython(home_deliveries_delivered, delivered_collected),
    ]
