"""Talking to one Mastodon instance through Mastodon.py: errors, retries, pages, the clock.

:class:`Client` wraps ``mastodon.Mastodon`` (rate limits: ``ratelimit_method="wait"``, so a
429 makes Mastodon.py sleep until the reset the server announced, at most five minutes at
a time). Every call goes through :meth:`Client.call`, which retries what may pass
(unreachable, 5xx) and turns what will not into rapport's errors: a refused token is an
:class:`~rapport.errors.AuthenticationError`, anything else a
:class:`~rapport.errors.RemoteError`. :meth:`Client.pages` follows the ``Link`` headers.
The moment of the pull is the server's ``Date`` header, so counts are observed at the
server's time (and recorded tests are deterministic).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

import requests
from mastodon import Mastodon
from mastodon.errors import (
    MastodonAPIError,
    MastodonError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
)

from rapport.errors import AuthenticationError, RemoteError, RemoteNotFound, UsageError

__all__ = ["Client", "Pages", "RemoteNotFound", "connect", "instance_url", "items_of"]

RETRIES = 3
"""Attempts for a request that failed in a way that may pass (unreachable, 5xx)."""
TIMEOUT_SECONDS = 30.0
USER_AGENT = "rapport (relationship-first analytics; +https://github.com/rapport)"
_TOKEN_FIX = (
    "create a new access token under Preferences → Development → New application with the "
    "scopes read:accounts, read:statuses and read:notifications, and give it as the token"
)


def sleep(seconds: float) -> None:
    """Wait between retries (a function of its own so tests can skip the waiting)."""
    time.sleep(seconds)


def instance_url(instance: str, *, scheme: str = "https") -> str:
    """``https://host`` from ``host``, ``https://host/`` or ``http://localhost:3000``."""
    text = instance.strip().rstrip("/")
    if not text:
        raise UsageError(
            "the instance is empty; give the instance, e.g. https://mastodon.social",
            option="instance",
        )
    if "://" not in text:
        text = f"{scheme}://{text}"
    try:
        parts = urlsplit(text)
    except ValueError:
        parts = urlsplit("invalid:")
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        raise UsageError(
            f"{instance!r} is not a Mastodon instance address; give one like "
            "https://mastodon.social",
            option="instance",
        )
    return f"{parts.scheme}://{parts.netloc}"


def _status_of(error: MastodonError) -> int | None:
    args = error.args
    return args[1] if len(args) > 1 and isinstance(args[1], int) else None


def _detail(error: MastodonError) -> str:
    args = error.args
    message = args[3] if len(args) > 3 and args[3] else (args[2] if len(args) > 2 else None)
    status = _status_of(error)
    if status is None:
        return str(args[0]) if args else type(error).__name__
    return f"HTTP {status}" + (f": {message}" if message else "")


@dataclass
class Client:
    """One instance, optionally with a token; the Dates its responses carried."""

    api: Any
    service: str
    clock: Callable[[], dt.datetime]
    dates: list[str] = field(default_factory=list)

    def call(self, what: str, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``function(*args, **kwargs)`` with retries; rapport's errors instead of Mastodon.py's.

        ``what`` names the request in messages (``GET /api/v1/notifications``).
        """
        for attempt in range(1, RETRIES + 1):
            try:
                return function(*args, **kwargs)
            except MastodonNotFoundError:
                raise RemoteNotFound(what) from None
            except MastodonUnauthorizedError as error:
                raise AuthenticationError(
                    self.service,
                    problem=f"{what} was refused ({_detail(error)})",
                    fix=_TOKEN_FIX,
                    option="token",
                ) from None
            except (MastodonNetworkError, MastodonServerError) as error:
                if attempt == RETRIES:
                    raise RemoteError(
                        self.service,
                        problem=f"{what} failed {RETRIES} times ({_detail(error)})",
                        fix="check the instance address and your connection, then try again",
                        option="instance",
                    ) from None
                sleep(2.0 ** (attempt - 1))
            except MastodonRatelimitError as error:
                raise RemoteError(
                    self.service, problem=f"{what}: rate limit reached ({_detail(error)})"
                ) from None
            except MastodonAPIError as error:
                if _status_of(error) == 403:
                    raise AuthenticationError(
                        self.service,
                        problem=f"{what} is not allowed with this token ({_detail(error)})",
                        fix=_TOKEN_FIX,
                        option="token",
                    ) from None
                raise RemoteError(self.service, problem=f"{what}: {_detail(error)}") from None
            except MastodonError as error:
                raise RemoteError(self.service, problem=f"{what}: {_detail(error)}") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def observed_at(self) -> dt.datetime:
        """The time of the pull: the first server ``Date`` seen, else the local clock."""
        for value in self.dates:
            try:
                moment = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError):
                continue
            if moment.tzinfo is not None:
                return moment.astimezone(dt.UTC)
        return self.clock().astimezone(dt.UTC)

    def rate_limit(self) -> str | None:
        """``N of M requests left`` from the last response's X-RateLimit headers."""
        remaining = getattr(self.api, "ratelimit_remaining", None)
        limit = getattr(self.api, "ratelimit_limit", None)
        if isinstance(remaining, int) and isinstance(limit, int):
            return f"{remaining} of {limit} requests left in this rate-limit window"
        return None

    def pages(
        self,
        what: str,
        first: Callable[[], Any],
        *,
        direction: Literal["next", "previous"],
        cap: int,
        items: Callable[[Any], Any] = lambda page: page,
        progress: Callable[[str], None] | None = None,
    ) -> Pages:
        """The pages of a listing, following its ``Link`` header in ``direction``."""
        return Pages(self, what, first, direction, cap, items, progress)


@dataclass
class Pages:
    """Iterates (page, its items); stops at an empty page, at a page without a link in
    ``direction``, or once ``cap`` items came (then ``capped`` is true: there was more)."""

    client: Client
    what: str
    first: Callable[[], Any]
    direction: Literal["next", "previous"]
    cap: int
    items: Callable[[Any], Any]
    progress: Callable[[str], None] | None
    capped: bool = False

    def __iter__(self) -> Iterator[tuple[Any, list[Any]]]:
        client, api = self.client, self.client.api
        page = client.call(self.what, self.first)
        count, number = 0, 1
        while page is not None:
            found = items_of(page, self.items, client.service, self.what)
            if not found:
                return
            yield page, found
            count += len(found)
            info = api.get_pagination_info(page, self.direction)
            if info is None:
                return
            if count >= self.cap:
                self.capped = True
                return
            number += 1
            if self.progress:
                self.progress(f"{self.what} (page {number})")
            fetch = api.fetch_next if self.direction == "next" else api.fetch_previous
            page = client.call(self.what, fetch, info)


def items_of(page: Any, items: Callable[[Any], Any], service: str, what: str) -> list[Any]:
    """The list of results in a page, or a RemoteError when the answer holds none."""
    try:
        found = items(page)
    except (TypeError, KeyError, AttributeError):
        found = None
    if not isinstance(found, list):
        raise RemoteError(
            service,
            problem=f"{what} answered something that is not a list of results",
            fix="check that the address is a Mastodon instance",
        )
    return found


def connect(
    base_url: str, *, token: str | None, clock: Callable[[], dt.datetime] | None = None
) -> Client:
    """A client for ``base_url`` (with ``token``, or anonymous for public data)."""
    session = requests.Session()
    client = Client(
        api=None,
        service=f"Mastodon {base_url}",
        clock=clock or (lambda: dt.datetime.now(dt.UTC)),
    )

    def remember_date(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        date = response.headers.get("Date")
        if date:
            client.dates.append(date)

    session.hooks["response"].append(remember_date)
    client.api = Mastodon(
        access_token=token,
        api_base_url=base_url,
        ratelimit_method="wait",
        request_timeout=TIMEOUT_SECONDS,
        session=session,
        user_agent=USER_AGENT,
    )
    return client
