"""`make bench` runs every benchmark; `python -m bench [--residents N] [--seconds S] NAME ...`
runs some.

Each runs the real stack (production settings, PostgreSQL, Redis) beside a baseline measured
in the same run, and adds its rows to one table: printed at the end and written to
bench/results.json (a list of objects with name, value, unit, baseline, ratio, target, pass).
The exit status is 1 when a gate is missed.
"""

import argparse
import importlib
import json
import os
import sys

from bench.common import RESULTS, ROOT, table

NAMES = ["pages", "sms", "reserve", "verify", "draw", "dashboard", "proof"]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default all: {NAMES})")
    parser.add_argument(
        "--residents",
        type=int,
        default=int(os.environ.get("BENCH_RESIDENTS", "3000000")),
        help="the synthetic city's residents (seed_demo), default 3,000,000",
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=float(os.environ.get("BENCH_SECONDS", "10")),
        help="measured seconds per load benchmark, split into alternating rounds",
    )
    parser.add_argument(
        "--out", default=str(ROOT / "bench" / "results.json"), help="where the table goes"
    )
    args = parser.parse_args(argv)
    names = args.names or NAMES
    unknown = [name for name in names if name not in NAMES]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(NAMES)}")
        return 2
    # Before the benchmarks are imported: their sizes follow the city's.
    os.environ["BENCH_RESIDENTS"] = str(args.residents)
    failed = []
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        if not module.run(args.seconds):
            failed.append(name)
        write(args.out)  # after each: a run stopped half-way keeps the rows it measured
    print()
    print(f"bench: {args.residents:,} residents, {args.seconds:g} s per load benchmark")
    print(table(RESULTS))
    print(f"wrote {args.out}")
    if failed:
        print(f"FAILED: {', '.join(failed)}")
        return 1
    return 0


def write(path: str) -> None:
    with open(path, "w", encoding="utf-8") as out:
        json.dump(RESULTS, out, indent=1, ensure_ascii=False)
        out.write("\n")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
