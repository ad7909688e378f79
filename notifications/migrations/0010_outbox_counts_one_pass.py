"""The outbox counts' update trigger reads its transition tables once instead of twice.

0008's function, for an UPDATE (every claim and every "sent" of the drain), ran two statements
that each read the old and new rows, converted each row's day to Shanghai time and grouped
them: once for the keys that gained, once for those that lost. Here the grouped change is made
once (a materialized CTE) and both statements read it; what the counts hold, and when, does
not change: the same rows, in the same transaction, additions upserted in key order,
subtractions as updates (a CHECK refuses a negative proposed row before ON CONFLICT could
apply it). INSERT and DELETE read one transition table each, once already.
"""

import importlib

from django.db import migrations

counts_0008 = importlib.import_module("notifications.migrations.0008_outbox_counts")
COUNTS, KEYS, KEY_OF_ROW, COLUMNS = (
    counts_0008.COUNTS,
    counts_0008.KEYS,
    counts_0008.KEY_OF_ROW,
    counts_0008.COLUMNS,
)
_count = counts_0008._count

MATCH = " AND ".join(f"t.{key} = d.{key}" for key in KEYS.split(", "))
ONE_PASS = f"""
        WITH d AS MATERIALIZED (
            SELECT {KEY_OF_ROW}, sum(n) AS n FROM (
                SELECT {COLUMNS}, -1 AS n FROM old_rows
                UNION ALL SELECT {COLUMNS}, 1 FROM new_rows
            ) AS delta
            GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0
        ), subtracted AS (
            UPDATE {COUNTS} AS t SET count = t.count + d.n FROM d WHERE {MATCH} AND d.n < 0
        )
        INSERT INTO {COUNTS} AS t ({KEYS}, count)
        SELECT {KEYS}, n FROM d WHERE n > 0 ORDER BY 1, 2, 3, 4
        ON CONFLICT ({KEYS}) DO UPDATE SET count = t.count + EXCLUDED.count;
"""
TWO_PASSES = _count(
    f"SELECT {COLUMNS}, -1 AS n FROM old_rows UNION ALL SELECT {COLUMNS}, 1 FROM new_rows"
)


def _function(update: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION notifications_outbox_count() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_count(f"SELECT {COLUMNS}, 1 AS n FROM new_rows", subtract=False)}
    ELSIF TG_OP = 'DELETE' THEN
        {_count(f"SELECT {COLUMNS}, -1 AS n FROM old_rows", add=False)}
    ELSE
        {update}
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0009_reservation_confirmed_kind"),
    ]

    operations = [migrations.RunSQL(_function(ONE_PASS), _function(TWO_PASSES))]
