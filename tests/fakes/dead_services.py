"""Services that are down, on loopback: a closed port and a frozen server.

    with closed_port() as port: ...    # connecting is refused at once (nothing listens)
    with frozen_server() as port: ...  # connecting succeeds, nothing ever answers

The frozen server never calls accept(): the kernel completes each connection into the listen
backlog and keeps what the client sends, so a client waits for an answer that never comes, as
with a Redis or PostgreSQL that hangs. Only the client's own timeouts end the wait.
"""

import contextlib
import socket
from collections.abc import Iterator


@contextlib.contextmanager
def closed_port() -> Iterator[int]:
    """A port that refuses connections, kept bound (never listening) so nothing else takes it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@contextlib.contextmanager
def frozen_server(backlog: int = 256) -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(backlog)
        yield sock.getsockname()[1]
