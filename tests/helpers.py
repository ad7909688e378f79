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


def at_once(count: int, attempt) -> list[str]:
    """Run `attempt` in `count` threads released together, each on a database connection of its
    own (closed afterwards), and return each outcome: what it returned, the code of a Refused,
    or the name of any other exception."""
    import threading

    from django.db import connection

    from city.errors import Refused

    barrier = threading.Barrier(count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait()
            outcome = str(attempt())
        except Refused as refusal:
            outcome = refusal.code
        except Exception as error:
            outcome = type(error).__name__
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def without_csrf_tokens(page: str) -> str:
    """A page with its CSRF tokens taken out: each request masks them afresh, so two renderings
    of the same page differ only there."""
    import re

    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
