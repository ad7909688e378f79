"""Puhui draw, algorithm version 1 — and a verifier anyone can run.

    python verify.py certificate.json pool.txt winners.txt
    python verify.py --number NNNNNNNN certificate.json pool.txt [winners.txt]
    python verify.py --ledger ledger.json CERTIFICATE.json... | FOLDER...

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

Per-number proofs (DOMAIN.md, "Per-number proofs"): `pool_merkle_root` is the Merkle tree hash
of RFC 6962 section 2.1 over the pool's numbers in file order, each leaf the eight ASCII digits;
leaf hash SHA-256(0x00 ‖ leaf), node hash SHA-256(0x01 ‖ left ‖ right), split at the largest
power of two below the count, the empty pool's root SHA-256 of nothing. An audit path is RFC
6962's PATH(m, D[n]), sibling hashes from the leaf up. `cutoff_rank` and `cutoff_number` are the
rank and number of the last winner in (rank, number) order: n won exactly when
(rank(n), n) <= (cutoff_rank, cutoff_number). `merkle_levels`, `merkle_root`, `audit_path`,
`verify_audit_path` and `cutoff` are those rules; `--number` checks one number with them.

Sealed certificates (docs/draws.md, "The ledger"): each certificate signed off is sealed, its
bytes kept for good, and /draws/ledger.json lists them in sealing order, each row
{"draw", "sealed_at", "certificate_sha256", "previous_certificate_sha256"}: the SHA-256 of the
certificate's exact bytes, and of the certificate sealed before it (null for the first), which
the certificate itself carries too. `--ledger` checks every link of the ledger, the order of
its times, and every certificate given (files, or folders of *.json files) against its row; it
reports the first break and exits 1, or exits 0 with a summary. `check_ledger` is that check.
"""

import bisect
import datetime
import hashlib
import heapq
import hmac
import json
import os
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


def cutoff(key: bytes, pool: Iterable[int], quota: int) -> tuple[bytes, int] | None:
    """(rank, number) of the last winner in (rank, number) order; None when nobody wins."""
    if quota <= 0:
        return None
    rank_line = line_ranker(key)
    smallest = heapq.nsmallest(quota, ((rank_line(b"%08d" % number), number) for number in pool))
    return smallest[-1] if smallest else None


def won(key: bytes, number: int, cut: tuple[bytes, int] | None) -> bool:
    """Whether a pool number won, by the published rule (rank(n), n) <= the cut-off."""
    return cut is not None and (rank(key, number), number) <= cut


# Merkle tree of RFC 6962 section 2.1 (also RFC 9162 section 2.1.1).
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(number: int) -> bytes:
    return hashlib.sha256(b"\x00%08d" % number).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def merkle_levels(numbers: Iterable[int]) -> list[list[bytes]]:
    """Every level of the tree, leaf hashes first, the root's level (one hash) last; empty for
    an empty pool. Pairing left to right and carrying a level's odd last hash up unchanged gives
    exactly RFC 6962's tree (split at the largest power of two below the count)."""
    level = [leaf_hash(number) for number in numbers]
    if not level:
        return []
    levels = [level]
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        levels.append(paired)
        level = paired
    return levels


def merkle_root(numbers: Iterable[int]) -> bytes:
    levels = merkle_levels(numbers)
    return levels[-1][0] if levels else EMPTY_ROOT


def audit_path(index: int, levels: list[list[bytes]]) -> list[bytes]:
    """RFC 6962's PATH(index, D[n]) from the levels of `merkle_levels`: sibling hashes from the
    leaf up; a level where the node has no sibling (it was carried up) adds nothing."""
    if not levels or not 0 <= index < len(levels[0]):
        raise IndexError(f"index {index} is not in a tree of {len(levels[0]) if levels else 0}")
    path = []
    for level in levels[:-1]:
        sibling = index ^ 1
        if sibling < len(level):
            path.append(level[sibling])
        index //= 2
    return path


def root_from_audit_path(leaf: bytes, index: int, size: int, path: list[bytes]) -> bytes | None:
    """The root an audit path leads to from a leaf hash (RFC 9162 section 2.1.3.2); None when
    the path cannot belong to a tree of `size` at `index` (wrong length, index out of range)."""
    if not 0 <= index < size:
        return None
    node, last, result = index, size - 1, leaf
    for sibling in path:
        if last == 0:
            return None
        if node % 2 == 1 or node == last:
            result = node_hash(sibling, result)
            while node % 2 == 0 and node != 0:
                node, last = node >> 1, last >> 1
        else:
            result = node_hash(result, sibling)
        node, last = node >> 1, last >> 1
    return result if last == 0 else None


def verify_audit_path(leaf: bytes, index: int, size: int, path: list[bytes], root: bytes) -> bool:
    """Whether `path` proves the leaf hash `leaf` is leaf `index` of the tree of `size` whose
    root is `root`."""
    found = root_from_audit_path(leaf, index, size, path)
    return found is not None and hmac.compare_digest(found, root)


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


def _pool_file_problems(certificate: dict, pool_digest: str, pool: list) -> list:
    """Whether the pool file is the one the certificate describes: its digest and its size."""
    problems = []
    if pool_digest != certificate.get("pool_digest"):
        problems.append(
            f"pool digest: file {pool_digest}, certificate {certificate.get('pool_digest')}"
        )
    if len(pool) != certificate.get("pool_size"):
        problems.append(f"pool size: file {len(pool)}, certificate {certificate.get('pool_size')}")
    return problems


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
    problems.extend(_pool_file_problems(certificate, pool_digest, pool))
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


def check_number(
    number: int, certificate: dict, pool_data: bytes, winners_data: bytes | None = None
) -> tuple[list[str], list[str]]:
    """`--number`: what the files say about one number (report lines), and what does not match
    (problems; empty when every check passes). Membership and index come from the pool file,
    the rank and the cut-off from the revealed secret, the pool digest and the public value."""
    try:
        pool = parse_numbers(pool_data)
    except ValueError as error:
        return [], [f"pool.txt: {error}"]
    report, problems = [], []
    pool_digest = hashlib.sha256(pool_data).hexdigest()
    problems.extend(_pool_file_problems(certificate, pool_digest, pool))
    stated_root = certificate.get("pool_merkle_root")
    levels = merkle_levels(pool)
    if stated_root is None:
        report.append("the certificate has no Merkle root (issued before per-number proofs)")
    elif (levels[-1][0] if levels else EMPTY_ROOT).hex() != stated_root:
        root = (levels[-1][0] if levels else EMPTY_ROOT).hex()
        problems.append(f"Merkle root: pool file {root}, certificate {stated_root}")

    index = bisect.bisect_left(pool, number)
    if index == len(pool) or pool[index] != number:
        report.append(f"{number:08d} is not in the pool of {len(pool)}")
        if winners_data is not None and number in _winners_or_empty(winners_data):
            problems.append(f"{number:08d} is in winners.txt but not in the pool")
        return report, problems
    report.append(f"{number:08d} is in the pool: index {index} of {len(pool)}")
    if stated_root is not None:
        path = audit_path(index, levels)
        if verify_audit_path(leaf_hash(number), index, len(pool), path, bytes.fromhex(stated_root)):
            report.append(f"audit path of {len(path)} hashes leads to the certificate's root")
        else:
            problems.append("the audit path does not lead to the certificate's Merkle root")

    try:
        secret = bytes.fromhex(certificate.get("secret") or "")
        if len(secret) != 32:
            raise ValueError
    except ValueError:
        return report, [*problems, "the certificate has no revealed 32-byte secret"]
    if commitment(secret) != certificate.get("commitment"):
        problems.append("the revealed secret does not match the notary's commitment")
    public_value, quota = certificate.get("public_value"), certificate.get("quota")
    if public_value is None:
        return report, [*problems, "the certificate has no public value"]
    if not isinstance(quota, int) or quota < 0:
        return report, [*problems, f"quota {quota!r} is not a whole number"]
    key = draw_key(secret, pool_digest, public_value)
    report.append(f"rank {rank(key, number).hex()}")
    cut = cutoff(key, pool, quota)
    if "cutoff_rank" in certificate or "cutoff_number" in certificate:
        stated = certificate.get("cutoff_rank"), certificate.get("cutoff_number")
        computed = (cut[0].hex(), cut[1]) if cut else (None, None)
        if stated != computed:
            problems.append(f"cut-off: recomputed {computed}, certificate {stated}")
    if cut is None:
        report.append("nobody won this draw")
    else:
        report.append(f"cut-off: number {cut[1]:08d}, rank {cut[0].hex()}")
    result = won(key, number, cut)
    report.append(f"{number:08d} {'WON' if result else 'did not win'} by the published rule")
    if winners_data is not None and result != (number in _winners_or_empty(winners_data)):
        problems.append(f"winners.txt {'lacks' if result else 'lists'} {number:08d}")
    return report, problems


def _winners_or_empty(winners_data: bytes) -> set[int]:
    try:
        return set(parse_numbers(winners_data))
    except ValueError:
        return set()


def main_number(argv: list[str]) -> int:
    usage = "usage: python verify.py --number NNNNNNNN certificate.json pool.txt [winners.txt]"
    if len(argv) not in (4, 5) or len(argv[1]) != 8 or not argv[1].isdigit():
        print(usage, file=sys.stderr)
        return 2
    number = int(argv[1])
    try:
        with open(argv[2], encoding="utf-8") as file:
            certificate = json.load(file)
        with open(argv[3], "rb") as file:
            pool_data = file.read()
        winners_data = None
        if len(argv) == 5:
            with open(argv[4], "rb") as file:
                winners_data = file.read()
    except (OSError, ValueError) as error:
        print(f"cannot read the files: {error}", file=sys.stderr)
        return 2
    report, problems = check_number(number, certificate, pool_data, winners_data)
    for line in report:
        print(f"draw {certificate.get('id')}: {line}")
    if problems:
        print(f"draw {certificate.get('id')}: DOES NOT MATCH")
        for problem in problems:
            print(f"- {problem}")
        return 1
    print(f"draw {certificate.get('id')}: OK")
    return 0


SHA256_HEX_DIGITS = frozenset("0123456789abcdef")


def _is_digest(value) -> bool:
    return isinstance(value, str) and len(value) == 64 and set(value) <= SHA256_HEX_DIGITS


def _moment(value) -> datetime.datetime | None:
    try:
        moment = datetime.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo is not None else None


def check_ledger(ledger: list, certificates: dict[int, bytes]) -> tuple[str | None, dict]:
    """The ledger's first break, or None when it is whole, and what was checked.

    Row by row, in the ledger's order: its form; its link (its previous digest is the row
    before's digest, null for the first); its time (never before the row before's); and, when
    its certificate is among `certificates` (draw id -> the file's exact bytes), that the bytes
    hash to the row's digest and say the same draw, time and previous digest. A certificate
    with no row is a break too.
    """
    summary = {"rows": 0, "checked": 0, "head": None}
    if not isinstance(ledger, list):
        return "the ledger is not a JSON list", summary
    previous, previous_at, seen = None, None, set()
    for place, row in enumerate(ledger, start=1):
        where = f"row {place}"
        if not isinstance(row, dict) or not isinstance(row.get("draw"), int):
            return f"{where}: not a ledger row", summary
        where = f"row {place} (draw {row['draw']})"
        digest, link = row.get("certificate_sha256"), row.get("previous_certificate_sha256")
        sealed_at = _moment(row.get("sealed_at"))
        if not _is_digest(digest):
            return f"{where}: certificate_sha256 is not 64 lower-case hex digits", summary
        if link is not None and not _is_digest(link):
            return f"{where}: previous_certificate_sha256 is not a digest nor null", summary
        if sealed_at is None:
            return f"{where}: sealed_at is not an ISO 8601 time with its offset", summary
        if row["draw"] in seen:
            return f"{where}: draw {row['draw']} is sealed twice", summary
        if link != previous:
            expected = "null (the first certificate)" if previous is None else previous
            return (
                f"{where}: broken link: previous_certificate_sha256 is {link}, but the "
                f"certificate before it in the ledger has {expected}"
            ), summary
        if previous_at is not None and sealed_at < previous_at:
            return f"{where}: out of order: sealed before the row above it", summary
        content = certificates.get(row["draw"])
        if content is not None:
            if hashlib.sha256(content).hexdigest() != digest:
                return (
                    f"{where}: the certificate's SHA-256 is "
                    f"{hashlib.sha256(content).hexdigest()}, the ledger says {digest}"
                ), summary
            try:
                certificate = json.loads(content)
            except ValueError:
                return f"{where}: the certificate is not JSON", summary
            if not isinstance(certificate, dict) or certificate.get("id") != row["draw"]:
                return f"{where}: the certificate is not draw {row['draw']}'s", summary
            if certificate.get("previous_certificate_sha256") != link:
                return (
                    f"{where}: the certificate says the one before it is "
                    f"{certificate.get('previous_certificate_sha256')}, the ledger says {link}"
                ), summary
            if _moment(certificate.get("sealed_at")) != sealed_at:
                return f"{where}: the certificate's sealed_at differs from the ledger's", summary
            summary["checked"] += 1
        seen.add(row["draw"])
        previous, previous_at = digest, sealed_at
        summary["rows"], summary["head"] = place, digest
    rowless = sorted(set(certificates) - seen)
    if rowless:
        return f"draw {rowless[0]}: its certificate has no row in the ledger", summary
    return None, summary


def _certificate_files(paths: list[str]) -> list[str]:
    files = []
    for path in paths:
        if os.path.isdir(path):
            files += sorted(
                os.path.join(path, name)
                for name in os.listdir(path)
                if name.endswith(".json") and name != "ledger.json"
            )
        else:
            files.append(path)
    return files


def main_ledger(argv: list[str]) -> int:
    if len(argv) < 2:
        print(
            "usage: python verify.py --ledger ledger.json [CERTIFICATE.json | FOLDER]...",
            file=sys.stderr,
        )
        return 2
    certificates: dict[int, bytes] = {}
    try:
        with open(argv[1], encoding="utf-8") as file:
            ledger = json.load(file)
        for path in _certificate_files(argv[2:]):
            with open(path, "rb") as file:
                content = file.read()
            draw_id = json.loads(content).get("id")
            if not isinstance(draw_id, int):
                raise ValueError(f"{path} is not a certificate (no draw id)")
            if draw_id in certificates:
                raise ValueError(f"{path}: draw {draw_id}'s certificate is given twice")
            certificates[draw_id] = content
    except (OSError, ValueError, AttributeError) as error:
        print(f"cannot read the files: {error}", file=sys.stderr)
        return 2
    broken, summary = check_ledger(ledger, certificates)
    if broken:
        print("ledger: BROKEN")
        print(f"- first break: {broken}")
        return 1
    unchecked = summary["rows"] - summary["checked"]
    print(
        f"ledger: OK — {summary['rows']} sealed certificates, every link whole, head "
        f"{summary['head']}; {summary['checked']} certificates match their rows"
        + (f" ({unchecked} rows without a certificate given)" if unchecked else "")
    )
    return 0


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--number":
        return main_number(argv)
    if argv and argv[0] == "--ledger":
        return main_ledger(argv)
    if len(argv) != 3:
        print(
            "usage: python verify.py certificate.json pool.txt winners.txt\n"
            "       python verify.py --number NNNNNNNN certificate.json pool.txt [winners.txt]\n"
            "       python verify.py --ledger ledger.json [CERTIFICATE.json | FOLDER]...",
            file=sys.stderr,
        )
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
