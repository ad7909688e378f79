"""What every benchmark shares: the environment of the real stack, free ports, gunicorn, bench
residents, and the load generators with their figures."""

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent
CORES = os.cpu_count() or 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environ_override(name: str, value: str):
    """Set `os.environ[name]` (with the bench settings) for a benchmark's servers; returns what
    puts the old value back."""
    saved = os.environ.get(name)
    os.environ.update(bench_env(**{name: value}))

    def restore() -> None:
        if saved is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = saved

    return restore


def bench_env(**extra: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.bench",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-" + "x" * 40),
        "ID_HASH_KEY": os.environ.get("ID_HASH_KEY", "bench-id-" + "x" * 40),
        # Production settings need a real gateway; benchmarks that send SMS start their own.
        "SMS_BACKEND": "http",
        "SMS_GATEWAY_URL": os.environ.get("SMS_GATEWAY_URL", "http://127.0.0.1:9/unused"),
        "SMS_GATEWAY_TOKEN": os.environ.get("SMS_GATEWAY_TOKEN", "bench-unused"),
        # Nor do they verify names; and they speak plain HTTP on loopback, with no TLS proxy.
        "IDENTITY_BACKEND": "http",
        "IDENTITY_PROVIDER_URL": os.environ.get(
            "IDENTITY_PROVIDER_URL", "http://127.0.0.1:9/unused"
        ),
        "SECURE_SSL_REDIRECT": "false",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def wait_for_port(port: int, process: subprocess.Popen, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"{what} did not start")


def start_gunicorn(port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
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
    wait_for_port(port, server, "gunicorn")
    return server


LOAD_CORE = CORES - 1  # the load generator's core; the server has the others


# --- bench residents --------------------------------------------------------------------------


def verified_residents(count: int, *, prefix: str, phone_prefix: str, street) -> list:
    """`count` verified residents with an address, signed up by phone, kept between runs: usernames
    `prefix` + a counter, phones `phone_prefix` + 8 digits, `street(i)` their street address;
    the users, in order."""
    from django.utils import timezone

    from city.models import Community
    from reservations.models import Level, Method, Resident, User

    have = {u.username: u for u in User.objects.filter(username__startswith=prefix)}
    missing = [
        User(
            username=f"{prefix}{i:07d}",
            phone=f"{phone_prefix}{i:08d}",
            password=f"!bench{i}",  # unusable, as for residents signed in by SMS code
        )
        for i in range(count)
        if f"{prefix}{i:07d}" not in have
    ]
    for user in User.objects.bulk_create(missing, batch_size=5000):
        have[user.username] = user
    users = [have[f"{prefix}{i:07d}"] for i in range(count)]
    with_resident = set(
        Resident.objects.filter(user__username__startswith=prefix).values_list("user_id", flat=True)
    )
    communities = list(Community.objects.select_related("town"))
    now = timezone.now()
    Resident.objects.bulk_create(
        [
            Resident(
                user=user,
                name=f"测试{i}",
                document_type="resident_id",
                document_hash=hashlib.sha256(f"{prefix}:{i}".encode()).hexdigest(),
                document_masked="35**************00",
                level=Level.L2,
                method=Method.FACE,
                verified_at=now,
                district_id=community.town.district_id,
                town_id=community.town_id,
                community=community,
                street_address=street(i),
                created_at=now,
            )
            for i, user in enumerate(users)
            if user.pk not in with_resident
            for community in [communities[i % len(communities)]]
        ],
        batch_size=5000,
    )
    return users


# --- load generators --------------------------------------------------------------------------


def wrk_find() -> str | None:
    """wrk's path; installed from Debian when missing and running as root."""
    if os.environ.get("BENCH_LOAD") == "python":
        return None
    found = shutil.which("wrk")
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    print("bench: wrk is missing; apt-get install -y wrk", flush=True)
    install = ["apt-get", "install", "-y", "-q", "wrk"]
    if subprocess.run(install, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True)
        subprocess.run(install, env=env, capture_output=True)
    return shutil.which("wrk")


def wrk_name(wrk: str) -> str:
    banner = subprocess.run([wrk, "-v"], capture_output=True, text=True)
    version = (banner.stdout + banner.stderr).split()[1:2] or ["?"]  # "debian/4.1.0-3+b2"
    return f"wrk {version[0]} ({wrk})"


def pin_to_load_core() -> None:
    os.sched_setaffinity(0, {LOAD_CORE})


def wrk_command(
    wrk: str, *, port: int, path: str, script: str, seconds: float, connections: int, args: list
) -> list[str]:
    """wrk with one thread and `connections` keep-alive connections running bench/`script` on
    `path` for `seconds`; `args` go to the script."""
    return [
        wrk,
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "5s",
        "-s",
        str(ROOT / "bench" / script),
        f"http://127.0.0.1:{port}{path}",
        "--",
        *map(str, args),
    ]


def median_ratio(rounds: list[tuple[dict, dict]]) -> tuple[list[float], float]:
    """Alternating (baseline, project) rounds: each round's throughput ratio, sorted, and their
    median."""
    ratios = sorted(p["rps"] / b["rps"] if b["rps"] else 0 for b, p in rounds)
    return ratios, ratios[len(ratios) // 2]


def gate_and_aim(figures: dict, ratio: float, *, gate: float, rps: int, p99_ms: float) -> bool:
    """Print the gate (a ratio to the baseline) and the informational aim; True if it passes."""
    passed = ratio >= gate
    print(f"  gate (>= {gate} of baseline): {'PASS' if passed else 'FAIL'}")
    aim = figures["rps"] >= rps and figures["p99_ms"] <= p99_ms
    print(
        f"  aim ({rps} requests/s, p99 <= {p99_ms:.0f} ms): "
        f"{'met' if aim else 'not met'} (informational)"
    )
    return passed


def run_load(command: list[str]) -> dict:
    """Run a load generator pinned to the load core; its figures, with rates and errors."""
    result = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, preexec_fn=pin_to_load_core
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("BENCH_JSON ")]
    if result.returncode != 0 or not lines:
        raise SystemExit(f"load generator failed:\n{result.stdout}\n{result.stderr}")
    figures = json.loads(lines[-1].removeprefix("BENCH_JSON "))
    figures["rps"] = figures["ok"] / (figures["duration_us"] / 1e6)
    figures["p50_ms"] = figures["p50_us"] / 1000
    figures["p99_ms"] = figures["p99_us"] / 1000
    figures["errors"] = (
        figures["bad"]
        + figures["connect_errors"]
        + figures["read_errors"]
        + figures["write_errors"]
        + figures["timeouts"]
    )
    return figures


def combine(results: list[dict]) -> dict:
    """One figure for several rounds: mean throughput, median p50, worst p99, counts summed."""
    p50s = sorted(r["p50_ms"] for r in results)
    return {
        "rps": sum(r["rps"] for r in results) / len(results),
        "p50_ms": p50s[len(p50s) // 2],
        "p99_ms": max(r["p99_ms"] for r in results),
        "ok": sum(r["ok"] for r in results),
        "sent": sum(r["sent"] for r in results),
        "errors": sum(r["errors"] for r in results),
        "bad_kinds": "; ".join(r["bad_kinds"] for r in results if r["bad_kinds"]),
        "exhausted": any(r["exhausted"] for r in results),
    }


def report(name: str, figures: dict) -> None:
    print(
        f"  {name:<10} {figures['rps']:8.0f} requests/s  p50 {figures['p50_ms']:6.1f} ms  "
        f"p99 {figures['p99_ms']:6.1f} ms  ({figures['ok']} successful, "
        f"{figures['errors']} errors)"
    )
    if figures["bad_kinds"]:
        print(f"    unexpected answers (status location=count): {figures['bad_kinds']}")
    if figures["exhausted"]:
        print("    ran out of signed-in residents: raise BENCH_RESERVE_RESIDENTS")


# --- the one table ------------------------------------------------------------------------------

# Every benchmark adds its rows here; `python -m bench` prints them as one table and writes them
# to bench/results.json. A row: the figure's name, its value and unit, the baseline measured in
# the same run (None for an absolute figure), value / baseline, the target (a ratio, or for an
# absolute figure a value in the unit), and whether it passed (None: informational).
RESULTS: list[dict] = []


def record(
    name: str,
    value: float,
    unit: str,
    *,
    baseline: float | None = None,
    ratio: float | None = None,
    target: str = "",
    passed: bool | None = None,
    spread: str = "",
) -> None:
    RESULTS.append(
        {
            "name": name,
            "value": round(value, 3),
            "unit": unit,
            "baseline": None if baseline is None else round(baseline, 3),
            "ratio": None if ratio is None else round(ratio, 3),
            "target": target,
            "pass": passed,
            "spread": spread,
        }
    )


def city_residents() -> int:
    """The synthetic city's size (`python -m bench --residents N`, or BENCH_RESIDENTS)."""
    return int(os.environ.get("BENCH_RESIDENTS", "3000000"))


def table(rows: list[dict]) -> str:
    def cell(value) -> str:
        if value is None:
            return "-"
        if isinstance(value, bool):
            return "PASS" if value else "FAIL"
        if isinstance(value, float):
            return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
        return str(value)

    head = ("figure", "value", "unit", "baseline", "ratio", "target", "pass", "spread")
    keys = ("name", "value", "unit", "baseline", "ratio", "target", "pass", "spread")
    lines = [head] + [tuple(cell(row[k]) for k in keys) for row in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    return "\n".join(
        "  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )


def session_key_for(user) -> str:
    """A signed-in session for `user`, stored as login() stores it in the configured
    SESSION_ENGINE (an hour long): its key, for a cookie."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session.update(
        {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
    )
    session.set_expiry(3600)
    session.save(must_create=True)
    return session.session_key
