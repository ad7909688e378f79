"""Reads of draws for the public pages: numbers only, nothing personal."""

from collections.abc import Iterator

from django.db import connection
from django.utils import timezone

from lottery.models import Draw, DrawFile, DrawStatus

FILE_CHUNK = 1 << 20  # bytes per read when streaming a published file


def _iso(moment) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


def certificate_of(draw: Draw) -> dict:
    """`/draws/<id>/certificate.json`; each value null until its step has happened."""
    drawn = draw.status in (DrawStatus.DRAWN, DrawStatus.SIGNED_OFF)
    return {
        "id": draw.pk,
        "algorithm": draw.algorithm,
        "status": draw.status,
        "scheduled_at": _iso(draw.scheduled_at),
        "pool_cutoff": _iso(draw.pool_cutoff),
        "drawn_at": _iso(draw.drawn_at),
        "signed_off_at": _iso(draw.signed_off_at),
        "commitment": draw.commitment or None,
        "secret": draw.secret or None,
        "public_value": draw.public_value if draw.public_value_fixed else None,
        "pool_size": draw.pool_size,
        "pool_digest": draw.pool_digest or None,
        "quota": draw.quota,
        "winners_count": draw.winners_count if drawn else None,
        "winners_digest": draw.winners_digest or None,
        "purchase_opens_at": _iso(draw.purchase_opens_at),
        "purchase_closes_at": _iso(draw.purchase_closes_at),
        # Win rates by district and by reservation day, with a chi-square test: not yet.
        "fairness": None,
    }


def published_file(draw_id: int, name: str) -> DrawFile | None:
    return DrawFile.objects.filter(draw_id=draw_id, name=name).defer("content").first()


def file_chunks(draw_file: DrawFile) -> Iterator[bytes]:
    """A published file in 1 MiB pieces, read from the database one piece at a time."""
    for start in range(1, (len_of(draw_file) or 0) + 1, FILE_CHUNK):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT substring(content FROM %s FOR %s) FROM {DrawFile._meta.db_table} "
                "WHERE id = %s",
                [start, FILE_CHUNK, draw_file.pk],
            )
            yield bytes(cursor.fetchone()[0])


def len_of(draw_file: DrawFile) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT octet_length(content) FROM {DrawFile._meta.db_table} WHERE id = %s",
            [draw_file.pk],
        )
        return cursor.fetchone()[0]


def draws_for_calendar() -> tuple[list[Draw], list[Draw]]:
    """(coming, past): draws still to happen, soonest first; draws done, latest first."""
    coming = list(
        Draw.objects.filter(
            status__in=[
                DrawStatus.SCHEDULED,
                DrawStatus.COMMITTED,
                DrawStatus.POOL_CLOSED,
                DrawStatus.POSTPONED,
            ]
        ).order_by("scheduled_at")
    )
    past = list(
        Draw.objects.filter(status__in=[DrawStatus.DRAWN, DrawStatus.SIGNED_OFF]).order_by(
            "-scheduled_at"
        )[:100]
    )
    return coming, past
