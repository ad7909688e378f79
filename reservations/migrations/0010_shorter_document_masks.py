"""Rewrite the stored document masks under the rule that a mask hides at least 60 % of a number.

The old masks kept the first 4 and last 4 characters (8 of a 9-character passport), or the last
2 of a number of 8 characters or fewer. The clear numbers are not kept (only their keyed hash),
so each new mask is made from the old mask alone: it keeps the old mask's length (the number's)
and shows at most 2 characters in 5 (rounded down), only where the old mask showed one. The
positions are those of `reservations.validators.mask_document` (the first `shown // 2` and the
last `shown - shown // 2`; only the last, at most 2, up to 8 characters), which the old masks
always showed, so every mask comes out as the new rule makes it from the number. A mask of
another shape (hand-made data) is cut down the same way: a position the old mask hid stays a
star, so at most 40 % of it shows, whatever it was.

The rule is written out here rather than imported, so the migration keeps meaning what it did
when the rule in the code changes.
"""

from django.db import migrations

# shown = length * 2 / 5 (integer division); head and tail as above.
_NEW_MASK = """
    CASE WHEN length(m) <= 8 THEN
        repeat('*', length(m) - least(2, length(m) * 2 / 5)) || right(m, least(2, length(m) * 2 / 5))
    ELSE
        left(m, (length(m) * 2 / 5) / 2)
        || repeat('*', length(m) - length(m) * 2 / 5)
        || right(m, length(m) * 2 / 5 - (length(m) * 2 / 5) / 2)
    END
"""

REWRITE = f"""
UPDATE reservations_resident AS r
SET document_masked = n.masked
FROM (
    SELECT id, {_NEW_MASK} AS masked
    FROM (SELECT id, document_masked AS m FROM reservations_resident WHERE document_masked <> '')
         AS old
) AS n
WHERE r.id = n.id AND r.document_masked <> n.masked
"""


class Migration(migrations.Migration):
    dependencies = [
        ("reservations", "0009_reservation_language"),
    ]

    operations = [
        # Not reversible in substance: the characters the old masks showed are gone for good.
        # Going back leaves the shorter masks, which the older code displays as they are.
        migrations.RunSQL(REWRITE, reverse_sql=migrations.RunSQL.noop),
    ]
