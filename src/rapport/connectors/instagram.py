"""Live pulls of an Instagram professional account through Meta's Graph API (plain httpx).

:func:`pull_account` reads, with a long-lived Page or system-user token: the account and its
follower count (``accounts`` + a ``follower_counts`` observation at the server's time); its
media with their counts (``posts`` + a ``post_stats`` row per pull); each media's insights
(reach, saves, shares, views; ``post_stats``); and the comments with their replies: someone
else's are ``interactions`` of kind ``reply`` with a ``people`` row, the account's own are
``posts`` answering them (:mod:`rapport.connectors._instagram_map`). What the API does not
give (who liked a post, stories after 24 hours, follower totals in the past) is in
docs/sources/instagram.md.

Incremental and idempotent. The ``state`` (keys ``instagram:<account id>#…``, stored with the
data in one transaction, so a pull that fails stores neither) holds:

* ``media_newest``: the time of the newest media seen. A later pull reads media newest first
  down to it, and further down to ``refresh_days`` before now, so recent media get fresh counts
  and insights (a new ``post_stats`` row only where a number changed);
* ``media_after``: the cursor where older media are still to be read, when a first pull
  stopped at its cap or near Meta's rate limit (empty once all were read);
* ``comments:<media id>``: the ``comments_count`` whose comments were all read. Comments
  arrive on older posts for weeks: a media's comments (and replies) are read again whenever
  its count differs from this one;
* ``comments_due``: media whose comments are still to read (the pull stopped early).

Re-reading changes nothing: comments, replies and media keep Meta's ids, counts that did not
change add no row. When Meta reports more than 90 % of a rate limit used
(``X-App-Usage``, ``X-Business-Use-Case-Usage``), the pull stops reading, says so, and leaves
the state so the next pull continues; a rate-limit error raises (nothing is stored).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Callable, Mapping
from typing import Any

from rapport.canonical.batch import Batch
from rapport.canonical.builder import BatchBuilder
from rapport.connectors._graph_client import (
    DEFAULT_VERSION,
    GRAPH_URL,
    GraphClient,
    RequestRefused,
)
from rapport.connectors._instagram_map import Collector, Unusable, account_row
from rapport.connectors._instagram_steps import (
    ACCOUNT_FIELDS,
    DEFAULT_LIMITS,
    SERVICE,
    Limits,
    Steps,
)
from rapport.errors import RemoteError, UsageError

__all__ = ["DEFAULT_LIMITS", "Limits", "pull_account"]


def _found_accounts(client: GraphClient) -> dict[str, str]:
    """The Instagram professional accounts a token reaches: through its Pages (a user or
    system-user token), else the Page's own (a Page token)."""
    fields = {"fields": "instagram_business_account{id,username}"}
    found: dict[str, str] = {}

    def take(item: Mapping[str, Any]) -> None:
        linked = item.get("instagram_business_account")
        if isinstance(linked, Mapping) and isinstance(linked.get("id"), str):
            found[linked["id"]] = str(linked.get("username") or "")

    with contextlib.suppress(RequestRefused):
        for page in client.pages("me/accounts", fields):
            for item in page.items:
                take(item)
    if not found:
        with contextlib.suppress(RequestRefused):
            take(client.get("me", fields))
    return found


def _account(client: GraphClient, account: str | None) -> str:
    if account is not None and account.strip():
        wanted = account.strip()
        if not wanted.isdigit():
            raise UsageError(
                f"{wanted!r} is not an Instagram professional account id (digits, such as "
                "17841400000000000)",
                option="account",
            )
        return wanted
    found = _found_accounts(client)
    if len(found) == 1:
        return next(iter(found))
    if not found:
        raise UsageError(
            "the token reaches no Instagram professional account: link the Instagram account "
            "to a Facebook Page, or give the account's id",
            option="account",
        )
    names = ", ".join(f"{name or '?'} ({native})" for native, name in sorted(found.items()))
    raise UsageError(
        f"the token reaches {len(found)} Instagram professional accounts ({names}); choose one "
        "by its id",
        option="account",
    )


def pull_account(
    *,
    token: str,
    account: str | None,
    state: Mapping[str, str],
    progress: Callable[[str], None] | None = None,
    base_url: str = GRAPH_URL,
    version: str = DEFAULT_VERSION,
    limits: Limits | None = None,
    clock: Callable[[], dt.datetime] | None = None,
    sleep: Callable[[float], None] | None = None,
) -> Batch:
    """Pull an Instagram professional account (incremental from ``state``).

    ``account`` is the account's id (``1784…``); None finds it from the token (exactly one
    must be reachable). Raises :class:`~rapport.errors.AuthenticationError` for a refused
    token, :class:`~rapport.errors.RemoteError` (a rate limit, an unreachable server) when
    nothing can be stored.
    """
    if not token.strip():
        raise UsageError(
            "the token is empty; create a long-lived token in Meta Business Suite",
            option="token",
        )
    step = progress or (lambda label: None)
    client = GraphClient(
        token=token.strip(),
        service=SERVICE,
        base_url=base_url,
        version=version,
        clock=clock,
        sleep=sleep or time.sleep,
    )
    try:
        native = _account(client, account)
        what = f"GET /{native}"
        step(what)
        user = client.get(native, {"fields": ACCOUNT_FIELDS})
        try:
            row, own = account_row(user)
        except Unusable as problem:
            raise RemoteError(
                SERVICE,
                problem=f"{what} answered no usable account ({problem})",
                fix="check that the account id is an Instagram professional account's",
            ) from None
        observed_at = client.observed_at()
        builder = BatchBuilder(
            source="instagram_api", origin=f"Instagram Graph API {client.base_url}"
        )
        collector = Collector(builder)
        collector.put("accounts", row, locator=what)
        if row["followers"] is not None:
            collector.put(
                "follower_counts",
                {"account_id": own.account_id, "observed_at": observed_at,
                 "followers": row["followers"]},
                locator=what,
            )  # fmt: skip
        pull = Steps(client, own, collector, state, limits or DEFAULT_LIMITS, observed_at, step)
        pull.media_pages()
        pull.comments()
        pull.stats(pull.insights())
        pull.finish()
    finally:
        client.close()
    collector.flush()
    builder.state.update(pull.new_state)
    return builder.build()
