"""Fuzzing the connector's conversions with mutated recorded payloads.

Each example takes a response recorded from the real server, changes up to four values
anywhere inside it (any JSON value, a deleted key, a huge number, a broken date), casts it
the way Mastodon.py does (``try_cast_recurse``) and runs the conversion the pull would run.
Allowed outcomes: records come out, a record is quarantined, or the whole response is
refused with a RemoteError. Anything else is a traceback a user would see.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mastodon.return_types import (
    Account,
    GroupedNotificationsResults,
    Notification,
    Status,
    try_cast_recurse,
)

from rapport.canonical.builder import BatchBuilder
from rapport.connectors._mastodon_acts import (
    add_accounts_acts,
    add_descendants,
    add_notification,
    add_own_statuses,
)
from rapport.connectors._mastodon_client import items_of
from rapport.connectors._mastodon_grouped import add_grouped
from rapport.connectors._mastodon_records import Collector, Own, Uris, settle_pending
from rapport.connectors.mastodon import own_account
from rapport.errors import RemoteError
from tests.test_mastodon_api import GROUP_ACCOUNTS, GROUPED, NOTIFICATIONS, USERS, VERIFY, body

OBSERVED = dt.datetime(2026, 8, 1, 13, 53, tzinfo=dt.UTC)
OWN = Own(f"mastodon:{USERS}/117020565966271181", "117020565966271181", "localhost:3000")
SECOND = Own(f"mastodon:{USERS}/117020566092212359", "117020566092212359", "localhost:3000")

SOURCES: dict[str, tuple[str, int]] = {
    "verify_credentials": VERIFY,
    "statuses": ("test_fetch_next_previous.yaml", 11),
    "notifications": NOTIFICATIONS,
    "grouped": GROUPED,
    "group_accounts": GROUP_ACCOUNTS,
    "reblog": ("test_status_reblogged_by.yaml", 1),
    "reply_root": ("test_status_reply.yaml", 0),
    "reply": ("test_status_reply.yaml", 2),
}

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(
        [
            "",
            "2026-08-01T13:51:39.138Z",
            "yesterday",
            "2026-08-01",
            "not a uri",
            "http://localhost:3000/ap/users/1",
            "117020565966271181",
            "direct",
            "favourite",
            "reblog",
            "follow",
            "mention",
            "quote",
            "\ud83d",
        ]
    ),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
_DELETE = object()


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_paths(item, (*prefix, index)))
    return found


def _mutate(payload: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return None if new is _DELETE else new
    parent = payload
    for step in path[:-1]:
        parent = parent[step]
    if new is _DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = new
    return payload


def _convert(name: str, payload: Any, collector: Collector) -> None:
    """What the pull does with this response."""
    uris = Uris()
    steps: dict[str, Callable[[], Any]] = {
        "verify_credentials": lambda: own_account(
            try_cast_recurse(Account, payload), domain="localhost:3000", service="test"
        ),
        "statuses": lambda: add_own_statuses(
            collector,
            items_of(
                [try_cast_recurse(Status, s) for s in payload]
                if isinstance(payload, list)
                else payload,
                lambda p: p,
                "test",
                "statuses",
            ),
            own=OWN,
            uris=uris,
            observed_at=OBSERVED,
            locator="statuses",
        ),
        "notifications": lambda: [
            add_notification(
                collector,
                try_cast_recurse(Notification, n),
                own=OWN,
                uris=uris,
                observed_at=OBSERVED,
                locator=f"notification {i}",
            )
            for i, n in enumerate(items_of(payload, lambda p: p, "test", "notifications"))
        ],
        "grouped": lambda: add_grouped(
            collector,
            try_cast_recurse(GroupedNotificationsResults, payload),
            own=OWN,
            uris=uris,
            observed_at=OBSERVED,
            locator="grouped",
            group_accounts={"favourite-117020579695730951-495997": payload.get("accounts", [])}
            if isinstance(payload, dict) and isinstance(payload.get("accounts"), list)
            else {},
        ),
        "group_accounts": lambda: add_accounts_acts(
            collector,
            items_of(payload, lambda p: p, "test", "accounts"),
            kind="like",
            own=OWN,
            target=f"{OWN.account_id}/statuses/1",
            locator="accounts",
        ),
        "reblog": lambda: add_own_statuses(
            collector,
            [try_cast_recurse(Status, payload)],
            own=SECOND,
            uris=uris,
            observed_at=OBSERVED,
            locator="reblog",
        ),
        "reply_root": lambda: add_descendants(
            collector,
            try_cast_recurse(Status, payload),
            {"descendants": [try_cast_recurse(Status, BASE["reply"])]},
            own=SECOND,
            uris=uris,
            observed_at=OBSERVED,
            locator="context",
        ),
        "reply": lambda: add_descendants(
            collector,
            try_cast_recurse(Status, BASE["reply_root"]),
            {"descendants": [try_cast_recurse(Status, payload)]},
            own=SECOND,
            uris=uris,
            observed_at=OBSERVED,
            locator="context",
        ),
    }
    steps[name]()
    settle_pending(collector, uris)


BASE: dict[str, Any] = {}


@pytest.fixture(scope="module")
def base(shared: Path) -> dict[str, Any]:
    BASE.update({name: body(shared, *where) for name, where in SOURCES.items()})
    return BASE


def test_the_recorded_payloads_convert_cleanly(base: dict[str, Any]) -> None:
    for name, payload in base.items():
        collector = Collector(BatchBuilder(source="mastodon_api", origin="test"))
        _convert(name, copy.deepcopy(payload), collector)
        collector.flush()
        assert collector.builder.build().rejections == [], name


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_mutated_payloads_give_records_quarantine_or_a_remote_error(
    base: dict[str, Any], data: st.DataObject
) -> None:
    name = data.draw(st.sampled_from(sorted(base)))
    payload = copy.deepcopy(base[name])
    for _ in range(data.draw(st.integers(1, 4))):
        paths = _paths(payload)
        path = data.draw(st.sampled_from(paths))
        new = data.draw(st.one_of(_values, st.just(_DELETE))) if path else data.draw(_values)
        payload = _mutate(payload, path, new)
    collector = Collector(BatchBuilder(source="mastodon_api", origin="fuzz"))
    try:
        _convert(name, payload, collector)
    except RemoteError:
        return
    collector.flush()
    batch = collector.builder.build()
    for rejection in batch.rejections:
        assert rejection.reason and rejection.locator
