"""`make bench`: each benchmark runs the real stack (gunicorn, production settings and
middleware, PostgreSQL, Redis) beside a bare baseline measured in the same run, and prints both.

Benchmarks so far:
- pages: the home page (reference data, campaign, windows, next draw) against a view that
  returns "ok" behind the same middleware. No gate yet: it shows the cost of a page.
"""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CORES = os.cpu_count() or 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_env() -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.bench",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-" + "x" * 40),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
    }


def start_gunicorn(port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            str(Path(PYTHON).with_name("gunicorn")),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(CORES),
            "--worker-class",
            "gthread",
            "--threads",
            "4",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=bench_env(),
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


def load(port: int, path: str, seconds: float) -> dict:
    result = subprocess.run(
        [
            PYTHON,
            "-m",
            "bench.load",
            "--port",
            str(port),
            "--path",
            path,
            "--seconds",
            str(seconds),
            "--connections",
            "20",
            "--cpu",
            str(CORES - 1),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def report(name: str, figures: dict) -> None:
    print(
        f"  {name:<10} {figures['rps']:8.0f} requests/s  p50 {figures['p50_ms']:6.1f} ms  "
        f"p99 {figures['p99_ms']:6.1f} ms  ({figures['requests']} requests, "
        f"{figures['errors']} errors)"
    )


def bench_pages(seconds: float) -> bool:
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=bench_env(),
        check=True,
    )
    port = free_port()
    server = start_gunicorn(port)
    try:
        load(port, "/", 2)  # warm up connections and caches
        baseline = load(port, "/bench/baseline", seconds)
        page = load(port, "/", seconds)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(
        f"pages: gunicorn {CORES} workers x 4 threads; load generator bench.load "
        f"(Python, 20 keep-alive connections, pinned to core {CORES - 1}), {seconds:.0f} s each"
    )
    report("baseline", baseline)
    report("home page", page)
    ratio = page["rps"] / baseline["rps"] if baseline["rps"] else 0
    print(f"  home page / baseline throughput: {ratio:.2f}")
    return page["errors"] == 0 and baseline["errors"] == 0


def main() -> int:
    seconds = float(os.environ.get("BENCH_SECONDS", "10"))
    ok = bench_pages(seconds)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
