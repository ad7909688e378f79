"""A fake SMS gateway: a small, fast HTTP/1.1 server on loopback for tests and benchmarks.

Standard library only, so a benchmark can run it in its own process::

    python -m tests.fakes.sms_gateway --port 0 --token T

prints ``listening <port>``, serves until SIGTERM/SIGINT, then prints ``received <n>``
(the number of 2xx-answered requests) and exits 0.

In tests::

    with FakeGateway(token="t") as gw:
        ...  # POST to gw.url with "Authorization: Bearer t"
        assert gw.ids() == [...]

The server is an asyncio loop in a daemon thread that parses HTTP/1.1 by hand: keep-alive,
pipelined requests answered in order, Content-Length bodies only (411 otherwise).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import signal
import sys
import threading
import time
from http import HTTPStatus

__all__ = ["FakeGateway", "main"]

_MAX_HEAD = 64 * 1024
_MAX_BODY = 1024 * 1024
_REASONS = {int(s): s.phrase for s in HTTPStatus}
_NO_BODY = frozenset({204, 304})


def _response(status: int, payload: dict | None, close: bool) -> bytes:
    """Build a complete HTTP/1.1 response with a JSON body."""
    reason = _REASONS.get(status, "Unknown")
    parts = [f"HTTP/1.1 {status} {reason}\r\n"]
    body = b""
    if status not in _NO_BODY:
        body = json.dumps(payload if payload is not None else {}).encode()
        parts.append(f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n")
    if status == 429:
        parts.append("Retry-After: 1\r\n")
    if close:
        parts.append("Connection: close\r\n")
    parts.append("\r\n")
    return "".join(parts).encode("latin-1") + body


def _payload(status: int, msg_id: str | None) -> dict:
    if 200 <= status < 300:
        return {"accepted": True, "id": msg_id}
    if status == 400:
        return {"error": "bad request"}
    return {"error": str(status)}


class _Close(Exception):
    """Internal: answer (maybe) and close the connection."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class FakeGateway:
    """A real HTTP server standing in for an SMS gateway. See the module docstring."""

    def __init__(self, token: str = "test-token", host: str = "127.0.0.1", port: int = 0) -> None:
        self.token = token
        self.host = host
        self.port = port
        self.delay: float = 0.0
        self.received: list[dict] = []
        self._record = True  # standalone mode only counts
        self._lock = threading.Lock()
        self._status = 200
        self._next: collections.deque[int] = collections.deque()
        self._ok = 0
        self._hang = False
        self._refusing = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.AbstractServer | None = None
        self._conns: dict[asyncio.Task, asyncio.StreamWriter] = {}
        self._hung: list[asyncio.Future] = []

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/send"

    def start(self) -> FakeGateway:
        """Start serving in a daemon thread; return once the socket listens."""
        if self._thread is not None:
            raise RuntimeError("FakeGateway already started")
        loop = asyncio.new_event_loop()
        thread = threading.Thread(
            target=self._run, args=(loop,), name="fake-sms-gateway", daemon=True
        )
        self._loop, self._thread = loop, thread
        thread.start()
        try:
            asyncio.run_coroutine_threadsafe(self._listen(), loop).result(timeout=10)
        except BaseException:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)
            self._loop = self._thread = None
            raise
        return self

    def stop(self) -> None:
        """Close the server and every connection, then join the thread. Idempotent."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        try:
            if thread.is_alive():
                asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=10)
        finally:
            if thread.is_alive():
                loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)
            self._loop = self._thread = None

    def __enter__(self) -> FakeGateway:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ behaviour

    def answer(self, status: int) -> None:
        """Answer every following (valid) request with this status."""
        self._check_status(status)
        with self._lock:
            self._status = status

    def answer_next(self, *statuses: int) -> None:
        """Answer the next len(statuses) valid requests with these, in order."""
        for status in statuses:
            self._check_status(status)
        with self._lock:
            self._next.extend(statuses)

    def hang(self, on: bool = True) -> None:
        """While on, read requests but never answer them.

        Turning it off closes the connections of the hung requests without answering them.
        """
        self._hang = on
        if not on:
            self._in_loop(self._release_hung)

    def refuse(self, on: bool = True) -> None:
        """While on, nothing listens (connections are refused); off listens again on the same port.

        Turning it on also closes the open connections, as a gateway going down would.
        """
        self._refusing = on
        self._in_loop(self._stop_listening if on else self._listen)

    # ------------------------------------------------------------------ inspection

    def ids(self) -> list[str]:
        with self._lock:
            return [
                r["id"]
                for r in self.received
                if r["status"] is not None and 200 <= r["status"] < 300
            ]

    def count(self) -> int:
        with self._lock:
            return self._ok

    def reset(self) -> None:
        with self._lock:
            self.received.clear()
            self._next.clear()
            self._status = 200
            self._ok = 0
        self.delay = 0.0
        self.hang(False)

    # ------------------------------------------------------------------ internals

    @staticmethod
    def _check_status(status: int) -> None:
        if not isinstance(status, int) or not 200 <= status <= 599:
            raise ValueError(f"status must be an int in 200..599, not {status!r}")

    @staticmethod
    def _run(loop: asyncio.AbstractEventLoop) -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_forever()
        finally:
            loop.close()

    def _in_loop(self, coro_fn) -> None:
        """Run coro_fn() on the server loop and wait for it (no-op when not running)."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None or not thread.is_alive():
            return
        if threading.current_thread() is thread:
            raise RuntimeError("FakeGateway controls must not be called from its own loop")
        asyncio.run_coroutine_threadsafe(coro_fn(), loop).result(timeout=10)

    async def _listen(self) -> None:
        if self._server is not None or self._refusing:
            return
        self._server = await asyncio.start_server(
            self._handle, self.host, self.port, reuse_address=True, limit=_MAX_HEAD
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _stop_listening(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        await self._close_connections()

    async def _close_connections(self) -> None:
        tasks = list(self._conns)
        for task in tasks:
            task.cancel()
        for writer in self._conns.values():
            writer.transport.abort()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._conns.clear()
        self._hung.clear()

    async def _shutdown(self) -> None:
        await self._stop_listening()

    async def _release_hung(self) -> None:
        hung, self._hung = self._hung, []
        for fut in hung:
            if not fut.done():
                fut.set_result(None)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._conns[task] = writer
        try:
            await self._serve(reader, writer)
        except _Close as exc:
            if exc.status:
                writer.write(_response(exc.status, _payload(exc.status, None), close=True))
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        except asyncio.CancelledError:
            pass  # stop()/refuse()/reset: end quietly (3.11 streams log a cancelled callback)
        finally:
            self._conns.pop(task, None)
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        transport = writer.transport
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                return  # client closed between requests
            except asyncio.LimitOverrunError:
                raise _Close(431) from None
            lines = head.lstrip(b"\r\n").decode("latin-1").split("\r\n")
            request_line = lines[0].split(" ")
            if len(request_line) != 3 or not request_line[2].startswith("HTTP/1."):
                raise _Close(400)
            headers = {}
            for line in lines[1:]:
                if line:
                    name, sep, value = line.partition(":")
                    if not sep:
                        raise _Close(400)
                    headers[name.strip().lower()] = value.strip()

            conn = headers.get("connection", "").lower()
            if request_line[2] == "HTTP/1.0":
                close = "keep-alive" not in conn
            else:
                close = "close" in conn
            if "transfer-encoding" in headers:
                raise _Close(411)  # cannot frame the body: answer and close
            length_header = headers.get("content-length")
            if length_header is None:
                status, msg_id, hang = 411, None, self._hang
            else:
                if not length_header.isdigit():
                    raise _Close(400)
                length = int(length_header)
                if length > _MAX_BODY:
                    raise _Close(413)
                if headers.get("expect", "").lower() == "100-continue":
                    writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                body = await reader.readexactly(length) if length else b""
                hang = self._hang
                status, msg_id = self._decide(headers.get("authorization"), body, hang)

            if hang:
                fut = asyncio.get_running_loop().create_future()
                self._hung.append(fut)
                await fut
                return  # hang turned off: close without answering

            delay = self.delay
            if delay > 0:
                await asyncio.sleep(delay)
            writer.write(_response(status, _payload(status, msg_id), close))
            if close:
                await writer.drain()
                return
            if transport.get_write_buffer_size() > 65536:
                await writer.drain()

    def _decide(self, auth: str | None, body: bytes, hang: bool) -> tuple[int, str | None]:
        """Validate one request, record it if valid, and return (status, id) to answer."""
        if auth != "Bearer " + self.token:
            return 401, None
        try:
            data = json.loads(body)
        except ValueError:
            return 400, None
        if not isinstance(data, dict):
            return 400, None
        msg_id, to, text = data.get("id"), data.get("to"), data.get("text")
        if not (isinstance(msg_id, str) and isinstance(to, str) and isinstance(text, str)):
            return 400, None
        with self._lock:
            if hang:
                status = None
            elif self._next:
                status = self._next.popleft()
            else:
                status = self._status
            if status is not None and 200 <= status < 300:
                self._ok += 1
            if self._record:
                self.received.append(
                    {"id": msg_id, "to": to, "text": text, "status": status, "at": time.monotonic()}
                )
        return (status or 0), msg_id


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the fake SMS gateway until SIGTERM/SIGINT.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default="test-token")
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)

    # Block the signals before the server thread starts (it inherits the mask), so only
    # sigwait() below receives them.
    signals = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, signals)
    gateway = FakeGateway(token=args.token, host=args.host, port=args.port)
    gateway._record = False  # only count: a long benchmark must not grow a list
    gateway.start()
    print(f"listening {gateway.port}", flush=True)
    try:
        signal.sigwait(signals)
    finally:
        gateway.stop()
    print(f"received {gateway.count()}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
