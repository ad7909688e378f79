import datetime
import zoneinfo

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def shanghai(*args: int) -> datetime.datetime:
    """An aware datetime in the city's time zone."""
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def subprocess_env(**overrides: str) -> dict:
    """The environment for a separate process (a worker) using this test run's database."""
    import os

    from django.db import connection

    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    url = (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{db['NAME']}"
    )
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": url,
        **overrides,
    }
