"""POSTing to another system (an SMS gateway, a webhook receiver) and sorting its answer: 2xx
went out; 408, 429, 5xx, a timeout or a refused connection are tried again (after Retry-After,
when given); any other answer is final. Redirects are not followed."""

import functools
import ssl
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from delivery.failures import Permanent, Temporary

TEMPORARY_STATUSES = frozenset({408, 425, 429})


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait, from a Retry-After header (seconds or an HTTP date); capped at a day."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), 86400.0)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max((when - (now or datetime.now(UTC))).total_seconds(), 0.0), 86400.0)


def check(response: httpx.Response, who: str) -> None:
    """Raise Temporary or Permanent unless the answer is a 2xx."""
    status = response.status_code
    if 200 <= status < 300:
        return
    text = f"{who} answered {status}: {response.text[:200]}".strip()
    if status in TEMPORARY_STATUSES or status >= 500:
        raise Temporary(text, retry_after(response.headers.get("retry-after")))
    raise Permanent(text)


@functools.cache
def tls() -> ssl.SSLContext:
    """The certificates a receiver is verified by, loaded once for the process: a client made
    without one loads them again (~35 ms of processor time), and a client is made for each POST."""
    return httpx.create_ssl_context()


def new_client(timeout: float) -> httpx.AsyncClient:
    """A client for one POST."""
    return httpx.AsyncClient(timeout=timeout, verify=tls())


async def post(
    client: httpx.AsyncClient, url: str, who: str, *, content: bytes, headers: dict[str, str]
) -> httpx.Response:
    """The answer to a POST, checked; a network failure is temporary."""
    try:
        response = await client.post(url, content=content, headers=headers, follow_redirects=False)
    except httpx.TimeoutException as error:
        raise Temporary(f"{who} did not answer in time") from error
    except httpx.TransportError as error:
        raise Temporary(f"{who} could not be reached: {error.__class__.__name__}") from error
    check(response, who)
    return response
