"""Live pulls from Mastodon through Mastodon.py: your own account, and competitors' public data.

:func:`pull_account` (``rapport pull mastodon --instance URL --token T``) reads, with the
token's account: the account and its follower count; its statuses with their counts
(``posts`` + ``post_stats``); who favourited, boosted and replied below them
(``favourited_by``, ``reblogged_by``, ``context``); notifications (v1, or grouped v2); and
the followers. :func:`pull_public` (``rapport pull competitors``) reads, without a login,
each competitor's account (``/api/v1/accounts/lookup``), follower count and public statuses
with counts. Both return a :class:`~rapport.canonical.Batch` whose ``state`` holds the
cursors (keys ``mastodon:…`` and ``mastodon-public:…``), so the next pull fetches only
what is new. Counts are observed at the server's ``Date``. What is mapped from where, and
why: docs/sources/mastodon.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from rapport.canonical.batch import Batch
from rapport.canonical.builder import BatchBuilder
from rapport.config import AccountRef
from rapport.connectors._mastodon_client import Client, RemoteNotFound, connect, instance_url
from rapport.connectors._mastodon_records import Collector, Own, Uris, tracked
from rapport.connectors._mastodon_steps import Limits, Steps
from rapport.errors import AuthenticationError, RemoteError, UsageError
from rapport.platforms.mastodon import RecordProblem, mapping

__all__ = ["DEFAULT_LIMITS", "Limits", "own_account", "pull_account", "pull_public"]

DEFAULT_LIMITS = Limits()

Progress = Callable[[str], None]


def _domain(client: Client, base_url: str) -> str:
    """The instance's own domain (handles are ``user@domain``), from /api/v2/instance;
    the address's host where the server does not say (a RemoteError when unreachable)."""
    fallback = base_url.partition("://")[2]
    try:
        info = client.call("GET /api/v2/instance", client.api.instance_v2)
    except (RemoteNotFound, AuthenticationError):
        return fallback
    domain = mapping(info).get("domain")
    return domain.strip() if isinstance(domain, str) and domain.strip() else fallback


def _finish(builder: BatchBuilder, collector: Collector, state: dict[str, str]) -> Batch:
    collector.flush()
    for what, number in sorted(collector.skipped.items()):
        builder.note(f"skipped {number:,} {what}")
    builder.state.update(state)
    return builder.build()


def own_account(me: object, *, domain: str, service: str) -> tuple[dict[str, Any], Own]:
    """The own account from verify_credentials, or a RemoteError when it is unusable."""
    try:
        return tracked(me, domain=domain, role="own")
    except RecordProblem as problem:
        raise RemoteError(
            service,
            problem=f"verify_credentials answered no usable account (field {problem.field!r}: "
            f"{problem.reason})",
            fix="check that the address is a Mastodon instance",
        ) from None


def pull_account(
    *,
    instance: str,
    token: str,
    state: Mapping[str, str],
    progress: Progress | None = None,
    notifications: Literal["v1", "grouped"] = "v1",
    limits: Limits | None = None,
    clock: Callable[[], dt.datetime] | None = None,
) -> Batch:
    """Pull the token's own account (incremental from ``state``).

    ``notifications="v1"`` (the default) gives every act its own time; ``"grouped"`` reads
    /api/v2/notifications, where only the latest act of a group has one.
    """
    base = instance_url(instance)
    if not token.strip():
        raise UsageError(
            "the token is empty; create an access token with the read scopes", option="token"
        )
    step = progress or (lambda label: None)
    client = connect(base, token=token.strip(), clock=clock)
    step("GET /api/v1/accounts/verify_credentials")
    me = client.call(
        "GET /api/v1/accounts/verify_credentials", client.api.account_verify_credentials
    )
    domain = _domain(client, base)
    builder = BatchBuilder(source="mastodon_api", origin=f"Mastodon API {base}")
    collector = Collector(builder)
    observed_at = client.observed_at()
    row, own = own_account(me, domain=domain, service=client.service)
    collector.put("accounts", row, locator="GET /api/v1/accounts/verify_credentials")
    followers = row["followers"]
    if followers is not None:
        collector.put(
            "follower_counts",
            {"account_id": own.account_id, "observed_at": observed_at, "followers": followers},
            locator="GET /api/v1/accounts/verify_credentials",
        )
    steps = Steps(
        client, own, collector, Uris(), state, limits or DEFAULT_LIMITS, observed_at, progress=step
    )
    steps.statuses()
    steps.engagement()
    steps.notifications(notifications)
    steps.followers(followers)
    steps.resolve()
    rate = client.rate_limit()
    if rate:
        step(rate)
    return _finish(builder, collector, steps.new_state)


def _split_handle(handle: str) -> tuple[str, str]:
    user, _, instance = handle.strip().lstrip("@").partition("@")
    if not user or not instance or "@" in instance or "/" in instance:
        raise UsageError(
            f"rapport.toml: Mastodon competitor handle {handle!r} must look like "
            "user@instance.social"
        )
    return user, instance.lower()


def pull_public(
    accounts: Sequence[AccountRef],
    *,
    scheme: str,
    state: Mapping[str, str],
    progress: Progress | None = None,
    limits: Limits | None = None,
    clock: Callable[[], dt.datetime] | None = None,
) -> Batch:
    """Pull competitors' public accounts, follower counts and statuses (no login)."""
    if scheme not in ("http", "https"):
        raise UsageError(f"scheme {scheme!r}: use https (or http for a local test server)")
    step = progress or (lambda label: None)
    builder = BatchBuilder(source="mastodon_public", origin="Mastodon public API")
    collector = Collector(builder)
    new_state: dict[str, str] = {}
    clients: dict[str, tuple[Client, str]] = {}
    handles = [(ref.handle, *_split_handle(ref.handle)) for ref in accounts]
    failed: list[RemoteError] = []
    unreachable: dict[str, RemoteError] = {}
    for handle, user, instance in handles:
        try:
            if instance in unreachable:
                raise unreachable[instance]
            if instance not in clients:
                base = instance_url(instance, scheme=scheme)
                client = connect(base, token=None, clock=clock)
                try:
                    clients[instance] = (client, _domain(client, base))
                except RemoteError as error:
                    unreachable[instance] = error
                    raise
            client, domain = clients[instance]
            new_state.update(
                _pull_competitor(client, domain, handle, user, collector, state,
                                 limits=limits or DEFAULT_LIMITS, progress=step)
            )  # fmt: skip
        except RemoteError as error:
            failed.append(error)
            builder.note(f"{handle}: not pulled this time ({error.problem})")
    if failed and len(failed) == len(handles):
        raise failed[-1]
    return _finish(builder, collector, new_state)


def _pull_competitor(
    client: Client,
    domain: str,
    handle: str,
    user: str,
    collector: Collector,
    state: Mapping[str, str],
    *,
    limits: Limits,
    progress: Progress,
) -> dict[str, str]:
    """One competitor: the account, its follower count, its public statuses; new cursors."""
    builder = collector.builder
    what = f"GET /api/v1/accounts/lookup?acct={user}"
    progress(f"{handle}: {what}")
    try:
        account = client.call(what, client.api.account_lookup, user)
        row, competitor = tracked(account, domain=domain, role="competitor")
    except RemoteNotFound:
        builder.note(f"{handle}: no such account on its instance; check rapport.toml")
        return {}
    except AuthenticationError:
        builder.note(f"{handle}: its instance does not show this account without a login")
        return {}
    except RecordProblem as problem:
        builder.note(f"{handle}: the lookup answered no usable account ({problem.reason})")
        return {}
    observed_at = client.observed_at()
    collector.put("accounts", row, locator=what)
    if row["followers"] is not None:
        collector.put(
            "follower_counts",
            {"account_id": competitor.account_id, "observed_at": observed_at,
             "followers": row["followers"]},
            locator=what,
        )  # fmt: skip
    steps = Steps(client, competitor, collector, Uris(), state, limits, observed_at,
                  prefix="mastodon-public:", progress=progress)  # fmt: skip
    steps.statuses()
    steps.resolve()
    return steps.new_state
