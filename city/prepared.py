"""Statements the peak's pages run on every visit, planned once per database connection.

"Did number X win?" and "My reservation" each read their rows in one statement that takes
PostgreSQL longer to plan than to run (0.7 ms and 1.5 ms to plan, 0.1 ms and 0.6 ms to run, on
the bench's machine): every plain query is planned afresh. So each is PREPAREd once on each
connection and EXECUTEd after (PostgreSQL then keeps a generic plan once it is no worse);
connections live CONN_MAX_AGE seconds. A prepared statement lasts as long as its connection
and survives a rolled-back transaction, so what this process prepared on which connection is
all it has to remember.

Behind a pooler that hands one client several server connections (PgBouncer in transaction
mode) a statement prepared on one may be missing on the next: set DB_PREPARED_STATEMENTS=false
there, and the same SQL is sent as a plain query.
"""

import re
import threading
import weakref

from django.conf import settings
from django.db import connection

_prepared: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_lock = threading.Lock()
_NAME = re.compile(r"[a-z_][a-z0-9_]*")
_PLACEHOLDER = re.compile(r"%%|%s")  # as psycopg2 reads them: a literal %, a parameter


def execute(cursor, *, name: str, sql: str, params: list) -> None:
    """Run `sql` (with %s placeholders, as for cursor.execute) with `params` on `cursor`, as
    the prepared statement `name` of this connection when DB_PREPARED_STATEMENTS is on."""
    if not settings.DB_PREPARED_STATEMENTS:
        cursor.execute(sql, params)
        return
    assert _NAME.fullmatch(name), name
    raw = connection.connection  # the psycopg2 connection the cursor runs on
    with _lock:
        names = _prepared.setdefault(raw, set())
    if name not in names:
        numbered = iter(range(1, len(params) + 1))
        body = _PLACEHOLDER.sub(
            lambda match: "%" if match.group() == "%%" else f"${next(numbered)}", sql
        )
        cursor.execute(f"PREPARE {name} AS {body}")  # no parameters: sent as it is
        names.add(name)
    placeholders = ", ".join(["%s"] * len(params))
    cursor.execute(f"EXECUTE {name}({placeholders})" if params else f"EXECUTE {name}", params)
