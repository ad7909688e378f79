from django.db import migrations

GUARD = """
CREATE FUNCTION lottery_schedulepause_record() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'a schedule pause is a record: it cannot be deleted';
    END IF;
    -- The one change allowed: a pause in force is ended, once, keeping what it was.
    IF NOT OLD.in_force OR NEW.in_force
       OR NEW.reason IS DISTINCT FROM OLD.reason
       OR NEW.started_at IS DISTINCT FROM OLD.started_at
       OR NEW.started_by_id IS DISTINCT FROM OLD.started_by_id THEN
        RAISE EXCEPTION 'a schedule pause can only be ended, once';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER lottery_schedulepause_record
    BEFORE UPDATE OR DELETE ON lottery_schedulepause
    FOR EACH ROW EXECUTE FUNCTION lottery_schedulepause_record();
"""

DROP = """
DROP TRIGGER lottery_schedulepause_record ON lottery_schedulepause;
DROP FUNCTION lottery_schedulepause_record();
"""


class Migration(migrations.Migration):
    """Who paused the schedule, when and why stays as it was recorded: not the admin, not a
    script can rewrite or delete it; resuming only ends it."""

    dependencies = [("lottery", "0004_schedule_postpone_pause_fairness")]

    operations = [migrations.RunSQL(GUARD, DROP)]
