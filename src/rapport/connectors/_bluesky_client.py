# mypy: disable-error-code="import-untyped"
"""Talking to Bluesky through the atproto SDK: login, retries, rate limits, pagination.

Every request goes through :meth:`Api.call`, which

* waits out a 429 until the ``ratelimit-reset`` moment the server names (or ``retry-after``),
  then tries again, and gives up with a :class:`~rapport.errors.RemoteError` saying when to
  come back if that moment is more than :data:`MAX_RATE_LIMIT_WAIT_S` away;
* retries a failed connection or a 5xx answer a few times, then raises ``RemoteError``;
* turns a refused session into :class:`~rapport.errors.AuthenticationError`.

:meth:`Api.pages` follows cursors. Cursors are opaque: their format changed over time
(``<ms epoch>::<cid>``, ISO times, TIDs), and the last page simply has none.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from atproto import Client
from atproto_client.exceptions import (
    AtProtocolError,
    BadRequestError,
    NetworkError,
    RateLimitExceededError,
    RequestException,
    UnauthorizedError,
)
from atproto_client.request import Request
from pydantic import ValidationError

from rapport.errors import AuthenticationError, RemoteError

__all__ = ["MAX_RATE_LIMIT_WAIT_S", "Api", "login", "public"]

T = TypeVar("T")

MAX_RATE_LIMIT_WAIT_S = 300.0
"""Wait at most this long for a rate limit to reset; beyond it, stop and say when to retry."""
RATE_LIMIT_RETRIES = 5
TRANSIENT_RETRIES = 2
TIMEOUT_S = 30.0
APP_PASSWORD_FIX = (
    "check the handle, and create an app password in Bluesky (Settings > Privacy and "
    "security > App passwords); give it as the app password"
)


def _seconds_until(reset: dt.datetime | None, now: float) -> float | None:
    return None if reset is None else reset.timestamp() - now


@dataclass
class Api:
    """An SDK client plus the retry rules; ``sleep`` and ``clock`` are replaceable in tests."""

    client: Any
    service: str
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    waited_s: float = 0.0
    requests: int = 0

    def call(self, what: str, request: Callable[[], T], *, missing_ok: bool = False) -> T | None:
        """``request()`` with the retry rules; None for a 400 when ``missing_ok``."""
        limited = transient = 0
        while True:
            self.requests += 1
            try:
                return request()
            except RateLimitExceededError as exc:
                limited += 1
                wait = exc.retry_after
                if wait is None:
                    wait = _seconds_until(exc.reset_at, self.clock())
                if wait is None:
                    wait = 2.0**limited
                wait = max(wait, 0.0) + 0.5
                if wait > MAX_RATE_LIMIT_WAIT_S or limited > RATE_LIMIT_RETRIES:
                    when = dt.datetime.fromtimestamp(self.clock() + wait, dt.UTC)
                    raise RemoteError(
                        self.service,
                        problem=f"{what}: rate limited (429) until {when:%Y-%m-%d %H:%M:%S} UTC",
                        fix="nothing was stored; run the pull again after that time",
                    ) from None
                self.waited_s += wait
                self.sleep(wait)
            except UnauthorizedError as exc:
                raise AuthenticationError(
                    self.service,
                    problem=f"{what} was refused ({exc})",
                    fix=APP_PASSWORD_FIX,
                    option="app_password",
                ) from None
            except BadRequestError as exc:
                if missing_ok:
                    return None
                raise RemoteError(
                    self.service, problem=f"{what}: the request was refused ({exc})"
                ) from None
            except (NetworkError, RequestException) as exc:
                transient += 1
                if transient > TRANSIENT_RETRIES:
                    raise _unreachable(self.service, what, exc) from None
                self.sleep(0.5 * 2 ** (transient - 1))
            except (ValidationError, AtProtocolError) as exc:
                raise RemoteError(
                    self.service,
                    problem=f"{what}: answered something rapport can't read ({exc})",
                    fix="check the service address; if it is right, report this with the "
                    "full traceback",
                    option="service",
                ) from None

    def pages(
        self,
        what: str,
        fetch: Callable[[str | None], T],
        items: Callable[[T], Sequence[Any]],
    ) -> Iterator[T]:
        """Every page of a cursor-paginated list, newest first, until the cursor runs out."""
        cursor: str | None = None
        seen: set[str] = set()
        number = 0
        while True:
            number += 1
            page = self.call(f"{what} (page {number})", functools.partial(fetch, cursor))
            if page is None:
                return
            yield page
            following = getattr(page, "cursor", None)
            if not items(page) or not following or following in seen:
                return
            seen.add(following)
            cursor = following

    def close(self) -> None:
        self.client.request.close()


def _unreachable(service: str, what: str, exc: BaseException) -> RemoteError:
    cause = exc.__cause__ or exc.__context__
    detail = str(exc) or (f"{type(cause).__name__}: {cause}" if cause else type(exc).__name__)
    return RemoteError(
        service,
        problem=f"{what}: could not get an answer ({detail})",
        fix="check the service address and the network connection, then try again; nothing "
        "was stored",
        option="service",
    )


def _client(service: str) -> Any:
    return Client(base_url=service, request=Request(timeout=TIMEOUT_S))


@dataclass(frozen=True)
class Session:
    api: Api
    did: str
    handle: str


def _resumed(api: Api, client: Any, saved: str) -> Any | None:
    """The session ``saved`` (a session string an earlier login kept) brought back to life:
    the SDK refreshes its access token when it is about to expire. None when the server no
    longer takes it (its refresh token expired or was revoked): then log in again."""
    try:
        client.login(session_string=saved, fetch_bsky_profile=False)
        return api.call("resuming the saved session", client.com.atproto.server.get_session)
    except (AtProtocolError, AuthenticationError, RemoteError, ValueError):
        return None


def login(
    service: str,
    handle: str,
    app_password: str,
    *,
    sleep: Callable[[float], None] = time.sleep,
    saved: str | None = None,
    keep: Callable[[str], None] | None = None,
) -> Session:
    """A session for the account: the ``saved`` one when the server still takes it, else a
    login with the app password (logins are limited per account per day, so a caller that
    can keep sessions passes ``keep``: it gets the session string after a login and after
    every refresh). The session's DID and handle come from the server."""
    client = _client(service)
    api = Api(client, service, sleep=sleep)
    if saved:
        found = _resumed(api, client, saved)
        if found is not None:
            if keep is not None:
                client.on_session_change(lambda _e, _s: keep(client.export_session_string()))
                if client.export_session_string() != saved:
                    keep(client.export_session_string())
            return Session(api, str(found.did), str(found.handle))
        client = _client(service)
        api = Api(client, service, sleep=sleep)
    sessions: list[Any] = []
    client.on_session_change(lambda _event, session: sessions.append(session))

    def create() -> Any:
        # fetch_bsky_profile=False: the SDK's own profile lookup fails for an account the
        # AppView has not indexed yet; the pull reads the profile itself, with retries.
        try:
            return client.login(handle.lstrip("@"), app_password, fetch_bsky_profile=False)
        except (UnauthorizedError, BadRequestError) as exc:
            raise AuthenticationError(
                service,
                problem=f"login as {handle} was refused ({exc})",
                fix=APP_PASSWORD_FIX,
                option="app_password",
            ) from None

    api.call("login", create)
    if not sessions:
        raise RemoteError(service, problem="login answered without a session")
    if keep is not None:
        keep(client.export_session_string())
        client.on_session_change(lambda _e, _s: keep(client.export_session_string()))
    return Session(api, str(sessions[-1].did), str(sessions[-1].handle))


def public(service: str) -> Api:
    """An unauthenticated client for a public AppView (competitors' public data)."""
    return Api(_client(service), service)
