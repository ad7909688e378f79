"""One send rate for all workers together, counted in Redis."""

import time

import redis
from django.conf import settings

WINDOW = 0.1  # seconds; small windows keep the rate smooth within each second


class RateLimiter:
    """At most `per_second` sends per second across every process sharing `key`.

    Fixed 100 ms windows: a worker takes a few permits at a time from the window's counter
    (INCRBY), spends them locally, and waits for the next window when the share is gone. Permits
    are only good in the window they were taken in, so the rate holds however many workers run.
    """

    def __init__(self, *, per_second: int, key: str = "sms:rate", client=None, chunk: int = 10):
        self.per_window = max(1, int(per_second * WINDOW))
        self.chunk = max(1, min(chunk, self.per_window))
        self.key = key
        self.client = client or redis.Redis.from_url(settings.REDIS_URL)
        self.window = -1
        self.permits = 0

    def acquire(self) -> None:
        while True:
            window = int(time.time() / WINDOW)
            if window == self.window and self.permits > 0:
                self.permits -= 1
                return
            name = f"{self.key}:{window}"
            pipe = self.client.pipeline()
            pipe.incrby(name, self.chunk)
            pipe.expire(name, 5)
            count, _ = pipe.execute()
            granted = min(self.chunk, self.per_window - (count - self.chunk))
            if granted > 0:
                self.window, self.permits = window, granted - 1
                return
            time.sleep(max(0.0, (window + 1) * WINDOW - time.time()))
