"""What a channel says of a failed send: worth another try, or final."""


class Temporary(Exception):
    """Try again later: a busy or unreachable server, a 4xx SMTP reply, a 5xx / 429 / timeout."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after  # seconds, when the other side said so


class Permanent(Exception):
    """Do not try again: a 5xx SMTP reply, a refused address, a 4xx HTTP answer."""
