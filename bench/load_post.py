"""bench.load for POSTs by signed-in residents: the fallback of bench.reserve when wrk is not
available. N keep-alive connections, each sending its next request as soon as the previous
answer arrives, every request with the next (session, CSRF token) pair of a file, for a fixed
time. It pins itself to one core and prints the same JSON as bench/reserve.lua's done()."""

import argparse
import http.client
import itertools
import json
import os
import threading
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--pairs", required=True, help='lines "<sessionid> <csrftoken>"')
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--mode", choices=["once", "cycle"], default="once")
    parser.add_argument("--expect-status", type=int, default=200)
    parser.add_argument("--expect-location", default="-")
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--cpu", type=int, default=None)
    args = parser.parse_args()
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    with open(args.pairs) as file:
        lines = list(itertools.islice(file, args.first, args.first + args.count))
    pairs = [line.split() for line in lines]
    expect_location = None if args.expect_location == "-" else args.expect_location
    indexes = itertools.count()  # next() is atomic under the GIL: each pair goes out once
    lock = threading.Lock()
    latencies: list[float] = []
    counts = {"sent": 0, "ok": 0, "bad": 0, "exhausted": 0, "errors": 0}
    kinds: dict[str, int] = {}
    until = time.perf_counter() + args.seconds

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=10)
        while time.perf_counter() < until:
            index = next(indexes)
            if index >= len(pairs):
                if args.mode == "once":
                    with lock:
                        counts["exhausted"] = 1
                    break
                index %= len(pairs)
            session, token = pairs[index]
            headers = {
                "Host": "127.0.0.1",
                "Cookie": f"sessionid={session}; csrftoken={token}",
                "X-CSRFToken": token,
                "Content-Type": "application/x-www-form-urlencoded",
                "Content-Length": "0",
            }
            started = time.perf_counter()
            try:
                connection.request("POST", args.path, body=b"", headers=headers)
                with lock:
                    counts["sent"] += 1
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                with lock:
                    counts["errors"] += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=10)
                continue
            elapsed = time.perf_counter() - started
            location = response.getheader("Location")
            with lock:
                latencies.append(elapsed)
                if response.status == args.expect_status and (
                    expect_location is None or (location or "").startswith(expect_location)
                ):
                    counts["ok"] += 1
                else:
                    counts["bad"] += 1
                    kind = f"{response.status} {location or ''}"
                    kinds[kind] = kinds.get(kind, 0) + 1
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(args.connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(p: float) -> int:
        if not latencies:
            return 0
        return int(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1e6)

    print(
        "BENCH_JSON "
        + json.dumps(
            {
                "requests": len(latencies),
                "duration_us": int(elapsed * 1e6),
                "sent": counts["sent"],
                "ok": counts["ok"],
                "bad": counts["bad"],
                "exhausted": counts["exhausted"],
                "bad_kinds": "; ".join(f"{k}={v}" for k, v in kinds.items()),
                "connect_errors": 0,
                "read_errors": counts["errors"],
                "write_errors": 0,
                "status_errors": sum(
                    v for k, v in kinds.items() if not 200 <= int(k.split()[0]) < 400
                ),
                "timeouts": 0,
                "p50_us": pct(0.50),
                "p99_us": pct(0.99),
                "max_us": int(latencies[-1] * 1e6) if latencies else 0,
            }
        )
    )


if __name__ == "__main__":
    main()
