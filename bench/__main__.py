"""`make bench` runs every benchmark; `python -m bench NAME ...` runs some.

Each runs the real stack (production settings, PostgreSQL, Redis) beside a bare baseline
measured in the same run, prints both, and fails when a gate is missed.
"""

import os
import sys

from bench import dashboard, draw, pages, proof, reserve, sms, verify

BENCHMARKS = {
    "pages": pages.run,
    "sms": sms.run,
    "reserve": reserve.run,
    "verify": verify.run,
    "draw": draw.run,
    "dashboard": dashboard.run,
    "proof": proof.run,
}


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        return 2
    seconds = float(os.environ.get("BENCH_SECONDS", "10"))
    failed = [name for name in names if not BENCHMARKS[name](seconds)]
    if failed:
        print(f"FAILED: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
