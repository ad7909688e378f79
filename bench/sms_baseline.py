"""Baseline sender: POST `count` messages to the gateway with one keep-alive session, no
database, no outbox. What the client and the gateway cost by themselves."""

import argparse

import requests


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--first-id", type=int, default=0)
    args = parser.parse_args()
    session = requests.Session()
    session.trust_env = False  # as the project's client does
    session.headers["Authorization"] = f"Bearer {args.token}"
    text = "【福州普惠口罩】您的预约号12345678已中签。"
    for n in range(args.first_id, args.first_id + args.count):
        response = session.post(
            args.url, json={"id": f"b{n}", "to": "+8613800000000", "text": text}, timeout=5
        )
        response.raise_for_status()


if __name__ == "__main__":
    main()
