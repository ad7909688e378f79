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
    host: str, port: int, path: str, until: float, latencies: list, errors: list, cookie: str
) -> None:
    connection = http.client.HTTPConnection(host, port, timeout=10)
    headers = {"Host": "127.0.0.1", "Accept-Language": "zh-CN"}
    if cookie:
        headers["Cookie"] = cookie
    while time.perf_counter() < until:
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
    args = parser.parse_args()
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    latencies: list[float] = []
    errors: list = []
    until = time.perf_counter() + args.seconds
    threads = [
        threading.Thread(
            target=worker,
            args=("127.0.0.1", args.port, args.path, until, latencies, errors, args.cookie),
        )
        for _ in range(args.connections)
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


if __name__ == "__main__":
    main()
