"""A small closed-loop HTTP load generator: N keep-alive connections, each sending its next
request as soon as the previous answer arrives, for a fixed time. It pins itself to one core so
it does not take the server's."""

import argparse
import http.client
import json
import os
import threading
import time


def worker(
    host: str, port: int, pairs: list, start: int, until: float, latencies: list, errors: list
) -> None:
    """GETs of `pairs` (path, cookie) in turn from `start`, until `until`."""
    connection = http.client.HTTPConnection(host, port, timeout=10)
    base = {"Host": "127.0.0.1", "Accept-Language": "zh-CN"}
    position = start
    while time.perf_counter() < until:
        path, cookie = pairs[position % len(pairs)]
        position += 1
        headers = {**base, "Cookie": cookie} if cookie else base
        started = time.perf_counter()
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                errors.append(response.status)
                continue
        except (OSError, http.client.HTTPException) as error:
            errors.append(type(error).__name__)
            connection.close()
            connection = http.client.HTTPConnection(host, port, timeout=10)
            continue
        latencies.append(time.perf_counter() - started)
    connection.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--cpu", type=int, default=None)
    parser.add_argument("--cookie", default="", help="a Cookie header to send")
    parser.add_argument(
        "--cookies", default="", help="a file of Cookie headers, one per line, sent in turn"
    )
    parser.add_argument("--paths", default="", help="a file of paths, one per line, in turn")
    args = parser.parse_args()
    cookies = _lines(args.cookies) or [args.cookie]
    paths = _lines(args.paths) or [args.path]
    count = max(len(cookies), len(paths))
    pairs = [(paths[i % len(paths)], cookies[i % len(cookies)]) for i in range(count)]
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    latencies: list[float] = []
    errors: list = []
    until = time.perf_counter() + args.seconds
    threads = [
        threading.Thread(
            target=worker,
            args=("127.0.0.1", args.port, pairs, i, until, latencies, errors),
        )
        for i in range(args.connections)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(p: float) -> float:
        return (
            latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else 0
        )

    print(
        json.dumps(
            {
                "requests": len(latencies),
                "errors": len(errors),
                "rps": len(latencies) / elapsed,
                "p50_ms": pct(0.50),
                "p99_ms": pct(0.99),
            }
        )
    )


def _lines(file: str) -> list[str]:
    if not file or file == "-":
        return []
    with open(file, encoding="utf-8") as lines:
        return [line.rstrip("\n") for line in lines if line.strip()]


if __name__ == "__main__":
    main()
