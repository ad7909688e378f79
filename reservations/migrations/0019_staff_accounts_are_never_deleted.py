from django.db import migrations

# Staff accounts are deactivated, never deleted: the admin's log, the audit trail and the draw
# logs name them, and those are append-only. Refused in the database too, so neither a script
# nor a superuser's shell removes the name behind an entry.
NEVER_DELETED = """
CREATE FUNCTION reservations_staff_user_kept() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'staff account % is deactivated, never deleted', OLD.username;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER reservations_staff_user_kept
    BEFORE DELETE ON reservations_user
    FOR EACH ROW WHEN (OLD.is_staff OR OLD.is_superuser)
    EXECUTE FUNCTION reservations_staff_user_kept();
"""

DROP = """
DROP TRIGGER reservations_staff_user_kept ON reservations_user;
DROP FUNCTION reservations_staff_user_kept();
"""


class Migration(migrations.Migration):
    """Nobody deletes a staff account: it is deactivated instead."""

    dependencies = [("reservations", "0018_reservation_closed_and_erased")]

    operations = [migrations.RunSQL(NEVER_DELETED, DROP)]
