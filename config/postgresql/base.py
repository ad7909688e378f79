"""Django's PostgreSQL backend, but a server that accepts connections and never answers costs a
request DATABASE_PROBE_TIMEOUT (1 s), not libpq's connect_timeout, whose floor is 2 s.

Before libpq connects, one TCP connection sends PostgreSQL's SSLRequest (8 bytes) and waits for
its one-byte answer ('S' or 'N'), which every server and pooler (PgBouncer included) gives at
once, before any authentication. No answer in time is an outage: the error is libpq's kind
(psycopg2.OperationalError with no server code), so config/outage.py answers 503. PostgreSQL
logs nothing for a connection that closes after that answer. The probe costs one extra TCP
round trip per new connection, which persistent connections (CONN_MAX_AGE) make rare.
"""

import socket
import struct

import psycopg2
from django.conf import settings
from django.db.backends.postgresql import base

SSL_REQUEST = struct.pack("!ii", 8, 80877103)


def probe(host: str, port: int, timeout: float) -> None:
    """Raise psycopg2.OperationalError unless a PostgreSQL server answers at host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(SSL_REQUEST)
            answer = sock.recv(1)
    except TimeoutError:
        raise psycopg2.OperationalError(
            f"the database server at {host}:{port} did not answer within {timeout} s"
        ) from None
    except OSError as error:
        raise psycopg2.OperationalError(
            f"could not connect to the database server at {host}:{port}: {error.strerror}"
        ) from None
    if not answer:
        raise psycopg2.OperationalError(f"the database server at {host}:{port} closed at once")


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        timeout = getattr(settings, "DATABASE_PROBE_TIMEOUT", 0)
        host = conn_params.get("host") or ""
        # Only a single TCP host is probed: a Unix socket is this machine's own server, and a
        # list of hosts is libpq's to try in turn.
        if timeout and host and not host.startswith("/") and "," not in host:
            probe(host, int(conn_params.get("port") or 5432), timeout)
        return super().get_new_connection(conn_params)
