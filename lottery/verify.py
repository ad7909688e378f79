"""Puhui draw, algorithm version 1 — and a verifier anyone can run.

    python verify.py certificate.json pool.txt winners.txt

Standard library only, one file: download it from /draws/verify.py, fetch a draw's three files
from /draws/<id>/, and run it. It recomputes every digest and the winners from the revealed
secret and the public value, and exits 0 when everything matches, 1 (listing what differs)
when something does not, 2 when the files cannot be read.

The algorithm (DOMAIN.md, "The draw, exactly"):
- pool file: the eight-digit numbers in the pool, ascending, each followed by "\\n", UTF-8;
  pool_digest = SHA-256 of that file, lower-case hex;
- commitment = SHA-256 of the 32 raw bytes of the notary's secret S;
- key = SHA-256(S ‖ the 32 raw bytes of pool_digest ‖ the UTF-8 bytes of the public value B),
  B stored without leading or trailing white space, line breaks as LF;
- rank(n) = HMAC-SHA256(key, the eight ASCII digits of n); the `quota` numbers of smallest
  rank win (ranks compared as bytes, equal ranks by number);
- winners file: the winning numbers ascending, each followed by "\\n"; winners_digest its
  SHA-256.

What the server shares with this file, line for line: `commitment` (made of a secret the system
generates, checked at reveal), `normalise_public_value` (B as stored), `draw_key`, and
`line_ranker` (the HMAC of a line, which lottery/ranking.py runs on both cores). The rest the
server does its own way, and the tests hold it to this file: PostgreSQL writes the pool file
and its digest at pool close, lottery/ranking.py picks the winners (checked against `winners`),
and the winners file is written in lottery/services.py. `number_lines`, `file_digest`, `rank`
and `ranker` are the rules above as functions, for anyone checking by hand; `verify` and `main`
are the verifier.
"""

import hashlib
import heapq
import hmac
import json
import sys
from collections.abc import Iterable, Iterator
from itertools import pairwise

ALGORITHM = 1


def normalise_public_value(text: str) -> str:
    """B as stored: line breaks as LF, no leading or trailing white space."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def commitment(secret: bytes) -> str:
    if len(secret) != 32:
        raise ValueError("the secret is 32 bytes")
    return hashlib.sha256(secret).hexdigest()


def number_lines(numbers: Iterable[int]) -> Iterator[bytes]:
    """The lines of a pool or winners file, from numbers already in ascending order."""
    for number in numbers:
        yield b"%08d\n" % number


def file_digest(lines: Iterable[bytes]) -> str:
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line)
    return digest.hexdigest()


def draw_key(secret: bytes, pool_digest: str, public_value: str) -> bytes:
    material = secret + bytes.fromhex(pool_digest) + normalise_public_value(public_value).encode()
    return hashlib.sha256(material).digest()


def rank(key: bytes, number: int) -> bytes:
    return hmac.digest(key, b"%08d" % number, "sha256")


def line_ranker(key: bytes, sha256=hashlib.sha256):
    """rank(key, ·) of a number written as its eight ASCII digits (a line of a pool file), for
    many numbers: HMAC-SHA256 (RFC 2104) with the key's inner and outer hash states computed
    once, then copied per number. Same bytes as `rank`, about a third faster, which matters for
    a pool of millions. `sha256` is any constructor of SHA-256 hash objects."""
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    padded = key.ljust(64, b"\0")
    inner = sha256(bytes(byte ^ 0x36 for byte in padded))
    outer = sha256(bytes(byte ^ 0x5C for byte in padded))

    def rank_of(line: bytes, inner_copy=inner.copy, outer_copy=outer.copy) -> bytes:
        message = inner_copy()
        message.update(line)
        result = outer_copy()
        result.update(message.digest())
        return result.digest()

    return rank_of


def ranker(key: bytes):
    """rank(key, ·) for many numbers (see `line_ranker`)."""
    rank_line = line_ranker(key)
    return lambda number: rank_line(b"%08d" % number)


def winners(key: bytes, pool: Iterable[int], quota: int) -> list[int]:
    """The `quota` numbers of smallest rank (ties by number), ascending."""
    if quota <= 0:
        return []
    rank_line = line_ranker(key)
    smallest = heapq.nsmallest(quota, [(rank_line(b"%08d" % number), number) for number in pool])
    return sorted(number for _, number in smallest)


def parse_numbers(data: bytes) -> list[int]:
    """Numbers of a pool or winners file; raises ValueError unless it is exactly that format."""
    if not data:
        return []
    if not data.endswith(b"\n"):
        raise ValueError("the last line does not end with a line break")
    numbers = []
    for line in data[:-1].split(b"\n"):
        if len(line) != 8 or not line.isdigit():
            raise ValueError(f"not an eight-digit number: {line[:20]!r}")
        numbers.append(int(line))
    if any(a >= b for a, b in pairwise(numbers)):
        raise ValueError("the numbers are not in strictly ascending order")
    return numbers


def verify(certificate: dict, pool_data: bytes, winners_data: bytes) -> list[str]:
    """What differs between a published draw and its recomputation; empty when all matches."""
    problems = []
    if certificate.get("algorithm") != ALGORITHM:
        return [f"algorithm {certificate.get('algorithm')!r} is not version {ALGORITHM}"]
    try:
        pool = parse_numbers(pool_data)
    except ValueError as error:
        return [f"pool.txt: {error}"]
    try:
        published = parse_numbers(winners_data)
    except ValueError as error:
        return [f"winners.txt: {error}"]

    pool_digest = hashlib.sha256(pool_data).hexdigest()
    if pool_digest != certificate.get("pool_digest"):
        problems.append(
            f"pool digest: file {pool_digest}, certificate {certificate.get('pool_digest')}"
        )
    if len(pool) != certificate.get("pool_size"):
        problems.append(f"pool size: file {len(pool)}, certificate {certificate.get('pool_size')}")
    winners_digest = hashlib.sha256(winners_data).hexdigest()
    if winners_digest != certificate.get("winners_digest"):
        stated = certificate.get("winners_digest")
        problems.append(f"winners digest: file {winners_digest}, certificate {stated}")

    secret_hex = certificate.get("secret") or ""
    try:
        secret = bytes.fromhex(secret_hex)
        if len(secret) != 32:
            raise ValueError
    except ValueError:
        return [*problems, "the certificate has no revealed 32-byte secret"]
    if commitment(secret) != certificate.get("commitment"):
        problems.append("the revealed secret does not match the notary's commitment")
    public_value = certificate.get("public_value")
    if public_value is None:
        return [*problems, "the certificate has no public value"]
    quota = certificate.get("quota")
    if not isinstance(quota, int) or quota < 0:
        return [*problems, f"quota {quota!r} is not a whole number"]

    key = draw_key(secret, pool_digest, public_value)
    expected = winners(key, pool, quota)
    if expected != published:
        missing = sorted(set(expected) - set(published))
        extra = sorted(set(published) - set(expected))
        problems.append(
            f"winners differ: {len(missing)} expected but missing (e.g. "
            f"{', '.join(f'{n:08d}' for n in missing[:5])}), {len(extra)} not expected (e.g. "
            f"{', '.join(f'{n:08d}' for n in extra[:5])})"
        )
    if len(published) != certificate.get("winners_count"):
        problems.append(
            f"winners count: file {len(published)}, certificate {certificate.get('winners_count')}"
        )
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: python verify.py certificate.json pool.txt winners.txt", file=sys.stderr)
        return 2
    try:
        with open(argv[0], encoding="utf-8") as file:
            certificate = json.load(file)
        with open(argv[1], "rb") as file:
            pool_data = file.read()
        with open(argv[2], "rb") as file:
            winners_data = file.read()
    except (OSError, ValueError) as error:
        print(f"cannot read the files: {error}", file=sys.stderr)
        return 2
    problems = verify(certificate, pool_data, winners_data)
    if problems:
        print(f"draw {certificate.get('id')}: DOES NOT MATCH")
        for problem in problems:
            print(f"- {problem}")
        return 1
    print(
        f"draw {certificate.get('id')}: OK — {certificate.get('winners_count')} winners of "
        f"{certificate.get('pool_size')}, recomputed from the revealed secret and public value"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
