"""Talking to the YouTube Data API v3 with plain httpx: keys, errors, retries, pages, quota.

Every request goes through :meth:`Client.get`, which

* sends the API key as ``key=`` or the OAuth token as ``Authorization: Bearer`` (neither is
  ever part of a message);
* counts the quota units the request costs (every ``*.list`` call costs 1 of the project's
  10,000 a day, whatever it returns, errors included);
* retries what may pass (a transport error, a 5xx, ``backendError``) with exponential
  backoff (:func:`sleep`, replaced by the tests) and turns what will not into rapport's
  errors, branching on ``error.errors[0].reason`` (never on the message): a refused key is an
  :class:`~rapport.errors.AuthenticationError`; a spent quota, a forbidden call or an unusable
  answer a :class:`~rapport.errors.RemoteError`; turned-off comments and a missing video a
  :class:`Skipped`, which the caller notes before going on with the next video.

:meth:`Client.pages` follows ``nextPageToken`` and stops at a page without one, at a token
seen before, or at a cap. The moment of the pull is the first ``Date`` header the API sent.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import time
import zoneinfo
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from rapport.errors import AuthenticationError, RemoteError

__all__ = ["QUOTA_PER_DAY", "Client", "Page", "Skipped", "connect", "quota_reset", "sleep"]

QUOTA_PER_DAY = 10_000
"""The units a Google Cloud project may spend on the YouTube Data API per day (the default)."""
RETRIES = 3
"""Attempts for a request that failed in a way that may pass (transport error, 5xx)."""
TIMEOUT_SECONDS = 30.0
USER_AGENT = "rapport (relationship-first analytics; +https://github.com/rapport)"
PACIFIC = zoneinfo.ZoneInfo("America/Los_Angeles")

_AUTH_REASONS = {"keyInvalid", "authError", "invalidCredentials", "unauthorized", "keyExpired"}
_QUOTA_REASONS = {"quotaExceeded", "dailyLimitExceeded"}
_RETRY_REASONS = {"backendError", "internalError", "rateLimitExceeded", "userRateLimitExceeded"}
_SKIP_REASONS = {
    "commentsDisabled": "comments are turned off",
    "videoNotFound": "the video was not found (deleted or private)",
    "notFound": "not found",
}
_KEY_FIX = (
    "create an API key in the Google Cloud console (APIs & Services → Credentials) for a "
    "project with the YouTube Data API v3 enabled, or give a fresh OAuth token, and connect "
    "again"
)


def sleep(seconds: float) -> None:
    """Wait between retries (a function of its own so tests can skip the waiting)."""
    time.sleep(seconds)


def quota_reset(now: dt.datetime) -> dt.datetime:
    """The next midnight Pacific time after ``now``: when the daily quota starts again."""
    local = now.astimezone(PACIFIC)
    tomorrow = local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(tomorrow, dt.time(0), tzinfo=PACIFIC)


class Skipped(RemoteError):
    """A request about one video that cannot be answered (comments off, video gone); the
    connector notes it and goes on, so it never leaves the connector."""

    def __init__(self, reason: str, why: str) -> None:
        super().__init__("YouTube", problem=f"{why} ({reason})", fix="nothing to do")
        self.reason = reason
        self.why = why


@dataclass(frozen=True)
class Page:
    """One answer of a ``*.list`` call: its items and the token of the next page."""

    items: list[dict[str, Any]]
    next_token: str | None


@dataclass(frozen=True)
class _Problem:
    status: int
    reason: str | None
    message: str


def _problem(response: httpx.Response) -> _Problem:
    """The error envelope ``{"error": {"code", "message", "errors": [{"reason"}]}}``."""
    reason, message = None, ""
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        message = str(error.get("message") or "")
        errors = error.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            first = errors[0].get("reason")
            reason = str(first) if first else None
        if reason is None and error.get("status"):
            reason = str(error["status"])
    return _Problem(response.status_code, reason, message)


def _describe(problem: _Problem) -> str:
    text = f"HTTP {problem.status}"
    if problem.reason:
        text += f" {problem.reason}"
    return f"{text}: {problem.message}" if problem.message else text


@dataclass
class Client:
    """One base URL with one credential; the units spent and the Dates seen."""

    base_url: str
    api_key: str | None
    oauth_token: str | None
    clock: Callable[[], dt.datetime]
    http: httpx.Client
    units: Counter[str] = field(default_factory=Counter)
    dates: list[str] = field(default_factory=list)

    @property
    def service(self) -> str:
        return f"YouTube Data API {self.base_url}"

    def close(self) -> None:
        self.http.close()

    def get(self, endpoint: str, params: Mapping[str, str]) -> dict[str, Any]:
        """``GET <base>/<endpoint>?params`` as a JSON object, with retries and rapport's errors.

        ``endpoint`` is the resource (``commentThreads``); it is named ``commentThreads.list``
        in messages and in the quota note."""
        what = f"{endpoint}.list"
        query = dict(params)
        if self.api_key is not None:
            query["key"] = self.api_key
        for attempt in range(1, RETRIES + 1):
            self.units[what] += 1
            try:
                response = self.http.get(f"{self.base_url}/{endpoint}", params=query)
            except httpx.HTTPError as error:
                if attempt == RETRIES:
                    raise RemoteError(
                        self.service,
                        problem=f"{what} failed {RETRIES} times ({type(error).__name__}); "
                        "nothing was stored",
                        fix="check your connection and try again: the next pull starts over",
                    ) from None
                sleep(2.0 ** (attempt - 1))
                continue
            date = response.headers.get("Date")
            if date:
                self.dates.append(date)
            if response.status_code == 200:
                return self._json(response, what)
            problem = _problem(response)
            if problem.status >= 500 or problem.reason in _RETRY_REASONS:
                if attempt == RETRIES:
                    raise RemoteError(
                        self.service,
                        problem=f"{what} failed {RETRIES} times ({_describe(problem)}); "
                        "nothing was stored",
                        fix="YouTube is having trouble; try again in a few minutes",
                    )
                sleep(2.0 ** (attempt - 1))
                continue
            self._refuse(what, problem)
        raise AssertionError("unreachable")  # pragma: no cover

    def _json(self, response: httpx.Response, what: str) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise RemoteError(
                self.service,
                problem=f"{what} answered something that is not a JSON object",
                fix="check that the address is the YouTube Data API v3",
            )
        return body

    def _refuse(self, what: str, problem: _Problem) -> None:
        reason = problem.reason or ""
        if problem.status == 401 or reason in _AUTH_REASONS:
            raise AuthenticationError(
                "YouTube",
                problem=f"{what} was refused: the API key or token is not valid "
                f"({_describe(problem)})",
                fix=_KEY_FIX,
            )
        if reason in _QUOTA_REASONS:
            reset = quota_reset(self.clock())
            raise RemoteError(
                "YouTube",
                problem=f"the day's {QUOTA_PER_DAY:,} quota units of this Google Cloud project "
                f"are used up ({what}: {reason}); nothing was stored",
                fix=f"the quota resets at midnight Pacific time "
                f"({reset.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC); pull again after that, or "
                "ask Google for a higher quota in the Cloud console",
            )
        if reason in _SKIP_REASONS or problem.status == 404:
            raise Skipped(reason or "notFound", _SKIP_REASONS.get(reason, "not found"))
        if problem.status == 403 or reason == "PERMISSION_DENIED":
            raise RemoteError(
                "YouTube",
                problem=f"{what} is not allowed for this key or token ({_describe(problem)})",
                fix="enable the YouTube Data API v3 for the key's project in the Google Cloud "
                "console, check the key's API restrictions, or give an OAuth token with the "
                "youtube.readonly scope",
            )
        raise RemoteError(self.service, problem=f"{what}: {_describe(problem)}")

    def pages(self, endpoint: str, params: Mapping[str, str], *, cap: int) -> Iterator[Page]:
        """The pages of a listing, following ``nextPageToken`` until ``cap`` items came."""
        token: str | None = None
        seen: set[str] = set()
        count = 0
        while True:
            query = dict(params)
            if token:
                query["pageToken"] = token
            body = self.get(endpoint, query)
            items = body.get("items")
            if not isinstance(items, list):
                items = []
            page_items = [i for i in items if isinstance(i, dict)]
            following = body.get("nextPageToken")
            token = following if isinstance(following, str) and following else None
            yield Page(page_items, token)
            count += len(page_items)
            if token is None or token in seen or count >= cap or not page_items:
                return
            seen.add(token)

    def observed_at(self) -> dt.datetime:
        """The time of the pull: the first server ``Date`` seen, else the clock."""
        for value in self.dates:
            try:
                moment = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError):
                continue
            if moment.tzinfo is not None:
                return moment.astimezone(dt.UTC)
        return self.clock().astimezone(dt.UTC)

    def quota_note(self) -> str:
        """``quota: 14 units of the 10,000 a day (channels.list 1, …)``."""
        total = sum(self.units.values())
        parts = ", ".join(f"{name} {n}" for name, n in self.units.items())
        units = "unit" if total == 1 else "units"
        return f"quota: {total} {units} of the {QUOTA_PER_DAY:,} a day ({parts})"


def connect(
    base_url: str,
    *,
    api_key: str | None,
    oauth_token: str | None,
    clock: Callable[[], dt.datetime],
) -> Client:
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    if oauth_token is not None:
        headers["Authorization"] = f"Bearer {oauth_token}"
    http = httpx.Client(headers=headers, timeout=TIMEOUT_SECONDS)
    return Client(base_url.rstrip("/"), api_key, oauth_token, clock, http)
