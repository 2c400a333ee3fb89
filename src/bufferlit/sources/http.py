"""The one HTTP layer of the metadata clients: timeouts, a contact in every request, a
minimum interval per service, bounded retries on HTTP 429/503, and every failure turned into
one line of ``SourceError``.

Standard library only (``urllib.request``): each client makes one or a handful of GET
requests per command, so a session library or an async client would add a dependency
without doing a job we need.
"""

from __future__ import annotations

import email.utils
import http.client
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from bufferlit import __version__
from bufferlit.errors import BufferlitError

PROJECT_URL = "https://github.com/bufferlit/bufferlit"
CONTACT_VARIABLE = "BUFFERLIT_MAILTO"
"""Environment variable with the contact address sent to the APIs (``--mailto`` wins)."""
DEFAULT_TIMEOUT = 20.0
MAX_RETRY_WAIT = 30.0
"""Longest Retry-After we wait for; a longer one stops the command with a message."""
RETRIES = 2


class SourceError(BufferlitError):
    """A metadata service could not give an answer; the message is one line."""


class NotFound(SourceError):
    """HTTP 404: the service has no such record."""


@dataclass(frozen=True)
class Service:
    name: str
    """As the user knows it, for messages: "arXiv", "Crossref", "OpenAlex"."""
    default_url: str
    url_variable: str
    """Environment variable that points the client elsewhere (a mirror, or the tests'
    server on 127.0.0.1)."""
    min_interval: float = 0.0
    """Seconds between two requests to this service (arXiv asks for 3)."""

    @property
    def base_url(self) -> str:
        return os.environ.get(self.url_variable, self.default_url).rstrip("/")


def user_agent(contact: str) -> str:
    """Crossref's and OpenAlex's etiquette: name the tool, a URL and a mailto."""
    mailto = f"; mailto:{contact}" if contact else ""
    return f"bufferlit/{__version__} (+{PROJECT_URL}{mailto})"


@dataclass
class Http:
    contact: str = ""
    timeout: float = DEFAULT_TIMEOUT
    max_retry_wait: float = MAX_RETRY_WAIT
    sleep: Callable[[float], None] = time.sleep
    _next: dict[str, float] = field(default_factory=dict)
    """Per service, the monotonic time before which no request may start."""

    def get(self, service: Service, path: str, params: Mapping[str, str] | None = None) -> bytes:
        """The body of a 200 answer to GET ``service.base_url + path``; SourceError else."""
        url = service.base_url + path
        if params:
            url += "?" + urllib.parse.urlencode(params, safe=":,|/")
        for attempt in range(RETRIES + 1):
            self._wait_turn(service)
            try:
                return self._fetch(url)
            except urllib.error.HTTPError as error:
                wait = self._retry_wait(service, error, attempt)
                if wait is None:
                    raise _http_error(service, error, url) from None
                self._next[service.name] = time.monotonic() + wait
            except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
                raise _network_error(service, url, error, self.timeout) from None
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _fetch(self, url: str) -> bytes:
        request = urllib.request.Request(url, headers={"User-Agent": user_agent(self.contact)})
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            body: bytes = response.read()
            return body

    def _wait_turn(self, service: Service) -> None:
        remaining = self._next.get(service.name, 0.0) - time.monotonic()
        if remaining > 0:
            self.sleep(remaining)
        self._next[service.name] = time.monotonic() + service.min_interval

    def _retry_wait(
        self, service: Service, error: urllib.error.HTTPError, attempt: int
    ) -> float | None:
        """Seconds to wait before retrying, or None to give up now."""
        if error.code not in (429, 503) or attempt == RETRIES:
            return None
        wait = retry_after(error.headers.get("Retry-After"))
        if wait is None:
            wait = max(service.min_interval, 1.0)
        if wait > self.max_retry_wait:
            return None
        return max(wait, service.min_interval)


def retry_after(value: str | None) -> float | None:
    """Retry-After in seconds: a number of seconds or an HTTP date (RFC 9110, 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _http_error(service: Service, error: urllib.error.HTTPError, url: str) -> SourceError:
    if error.code == 404:
        return NotFound(f"{service.name}: not found (HTTP 404) at {url}")
    if error.code in (429, 503):
        wait = retry_after(error.headers.get("Retry-After"))
        asked = f", asked to retry after {wait:.0f} s" if wait is not None else ""
        return SourceError(
            f"{service.name}: rate limited (HTTP {error.code}{asked}); nothing was written,"
            " try again later"
        )
    reason = " ".join(str(error.reason).split())
    return SourceError(f"{service.name}: HTTP {error.code} {reason} from {url}")


def _network_error(service: Service, url: str, error: BaseException, timeout: float) -> SourceError:
    reason = getattr(error, "reason", error)
    host = urllib.parse.urlsplit(url).netloc
    if isinstance(reason, TimeoutError):
        return SourceError(f"{service.name}: no answer from {host} within {timeout:g} s")
    text = " ".join(str(getattr(reason, "strerror", None) or reason).split())
    return SourceError(f"{service.name}: cannot reach {host} ({text}); are you offline?")
