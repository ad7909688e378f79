"""What every app raises when a rule says no."""


class Refused(Exception):
    """A rule said no. `message` tells the person why and what to do; nothing was changed."""

    def __init__(self, code: str, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.message = message
        self.retry_after = retry_after
