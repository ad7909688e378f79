"""Baseline sender: what the project's HTTP backend (notifications/backends.py, HttpBackend)
does to send `count` messages, with no database, no outbox, no broker and no rate limit.

The same client library and connection reuse (one `requests.Session`, keep-alive, no proxy
look-ups, the bearer token in the session's headers, the same timeout), the same JSON bodies
as the outbox's messages (`{"id": "<number>", "to": "+86138…", "text": <the rendered win
text>}`), and the same check of each answer. The bench starts one sender per worker process
the project has.

It prints `ready` once set up, waits for a line on stdin, sends, and prints `done <time.time()>`
after the last answer, so that neither the interpreter's start nor its exit is timed."""

import argparse
import sys
import time

import requests


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--first", type=int, default=0, help="the first message's number")
    parser.add_argument("--text", required=True, help="the text, NUMBER where the number goes")
    parser.add_argument("--timeout", type=float, default=5.0)
    args = parser.parse_args()
    session = requests.Session()
    session.trust_env = False  # as HttpBackend does
    session.headers["Authorization"] = f"Bearer {args.token}"
    print("ready", flush=True)
    sys.stdin.readline()
    for n in range(args.first, args.first + args.count):
        body = {
            "id": str(1_000_000 + n),
            "to": f"+86138{n:08d}",
            "text": args.text.replace("NUMBER", f"{10000000 + n}"),
        }
        response = session.post(args.url, json=body, timeout=args.timeout)
        if not 200 <= response.status_code < 300:
            raise SystemExit(f"gateway answered {response.status_code}")
    print(f"done {time.time()}", flush=True)
    session.close()


if __name__ == "__main__":
    main()
