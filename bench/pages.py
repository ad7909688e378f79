"""The home page (reference data, campaign, windows, next draw) against a view that returns
"ok" behind the same middleware, through gunicorn with production settings. No gate yet."""

import json
import subprocess

from bench.common import CORES, PYTHON, ROOT, bench_env, free_port, start_gunicorn


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


def run(seconds: float) -> bool:
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=bench_env(),
        check=True,
    )
    subprocess.run(
        [PYTHON, "manage.py", "load_fuzhou"],
        cwd=ROOT,
        env=bench_env(),
        check=True,
        stdout=subprocess.DEVNULL,
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
