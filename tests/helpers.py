import datetime
import zoneinfo

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def shanghai(*args: int) -> datetime.datetime:
    """An aware datetime in the city's time zone."""
    return datetime.datetime(*args, tzinfo=SHANGHAI)
