"""The Mastodon connector against responses recorded from a real Mastodon 4.x server.

The cassettes come from Mastodon.py's own test-suite (../shared/samples/mastodon_api/
mastodonpy_cassettes/). That suite exercised one endpoint per test, so a whole pull is
replayed from a cassette composed at test time out of recorded interactions, unchanged:
every response a test consumes was recorded from the server, requests are matched on
method, host, path and query (``record_mode="none"``: a request nobody recorded fails),
and each test checks that every composed response was played. Only three responses are
not recordings, and they say so where they are built: the 401 of a bad token and the 429
of a rate limit (no cassette holds one), and the answer of /api/v1/accounts/lookup, which
no cassette holds either: it is the recorded Account entity of the same account, served
at the lookup address.

Who is who in the recordings (checked by hand in the YAML): ``mastodonpy_test``
(117020565966271181, "John Lennon", token ``__MASTODON_PY_TEST_ACCESS_TOKEN``), ``admin``
(117020565693913441, token ``_2``) and ``mastodonpy_test_2`` (117020566092212359, token
``_3``), all on http://localhost:3000, Mastodon 4.6.4.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import vcr
import yaml
from mastodon.return_types import (
    Account,
    Context,
    GroupedNotificationsResults,
    Status,
    try_cast_recurse,
)
from typer.testing import CliRunner

from rapport.canonical.builder import BatchBuilder
from rapport.canonical.ids import hashed_interaction_id
from rapport.config import AccountRef
from rapport.connectors import _mastodon_client, mastodon
from rapport.connectors._mastodon_acts import add_accounts_acts, add_descendants
from rapport.connectors._mastodon_client import connect
from rapport.connectors._mastodon_grouped import add_grouped
from rapport.connectors._mastodon_records import Collector, Own, Pending, Uris, status_post
from rapport.connectors._mastodon_steps import Limits, Steps
from rapport.errors import AuthenticationError, RemoteError
from rapport.store import Store
from tests.conftest import invoke
from tests.importer_support import rows

CASSETTES = "samples/mastodon_api/mastodonpy_cassettes"
MATCH_ON = ["method", "scheme", "host", "port", "path", "query"]
INSTANCE = "http://localhost:3000"
TOKEN = "__MASTODON_PY_TEST_ACCESS_TOKEN"
USERS = "http://localhost:3000/ap/users"
ME = f"mastodon:{USERS}/117020565966271181"
ADMIN = f"mastodon:{USERS}/117020565693913441"
SECOND = f"mastodon:{USERS}/117020566092212359"
TOOT = {
    n: f"{ME}/statuses/{i}"
    for n, i in enumerate(
        [
            117020580452511285,
            117020580459855703,
            117020580467310235,
            117020580474454464,
            117020580481736214,
            117020580489281910,
            117020580496489811,
            117020580503743669,
            117020580511453871,
            117020580518794573,
        ]
    )
}
"""The ten "Toot number N!" statuses test_fetch_next_previous.yaml posted (N → id)."""
OBSERVED = dt.datetime(2026, 8, 1, 13, 53, tzinfo=dt.UTC)
"""The Date header of the recorded GET /api/v2/instance/ (test_pagination_iterator #30)."""
UTC = dt.UTC

# Recorded interactions, by cassette and position (0-based), as listed in the module doc.
VERIFY = ("test_fetch_next_previous.yaml", 0)  # mastodonpy_test, 0 followers
INSTANCE_INFO = ("test_pagination_iterator.yaml", 30)  # domain localhost:3000, Date header
STATUSES_PAGE_1 = ("test_fetch_next_previous.yaml", 11)  # ?limit=5: toots 9..5, Link next/prev
STATUSES_PAGE_2 = ("test_fetch_next_previous.yaml", 12)  # &max_id=toot 5: toots 4..0
STATUSES_AFTER_4 = ("test_fetch_next_previous.yaml", 13)  # &min_id=toot 4: toots 9..5
NOTIFICATIONS = ("test_notifications.yaml", 1)  # one mention by admin
GROUPED = ("test_grouped_notifications.yaml", 3)  # one favourite group, 2 likes
GROUP_ACCOUNTS = ("test_grouped_notifications.yaml", 5)  # both likers in full
FIRST_PULL = (VERIFY, INSTANCE_INFO, STATUSES_PAGE_1, STATUSES_PAGE_2, NOTIFICATIONS)
RECORDED_LIMITS = Limits(
    statuses_page=5,
    statuses=10,
    notifications_page=None,
    notifications=1,
    grouped_page=10,
    grouped=1,
    followers_page=None,
)
"""The page sizes the recordings used; the caps stop where the recordings stop."""


@functools.cache
def _cassette(root: str, name: str) -> list[dict[str, Any]]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when it is there: fast
    data = yaml.load((Path(root) / CASSETTES / name).read_text("utf-8"), Loader=loader)
    return list(data["interactions"])


def recorded(shared: Path, name: str, index: int) -> dict[str, Any]:
    """One recorded interaction (request and response), as the cassette holds it."""
    return json.loads(json.dumps(_cassette(str(shared), name)[index]))  # type: ignore[no-any-return]


def body(shared: Path, name: str, index: int) -> Any:
    """The JSON a recorded response carried."""
    return json.loads(recorded(shared, name, index)["response"]["body"]["string"])


def constructed(
    method: str, uri: str, status: int, payload: object, headers: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    """A response NOT recorded from a server (used only where no cassette holds one)."""
    text = json.dumps(payload)
    return {
        "request": {"body": None, "headers": {}, "method": method, "uri": uri},
        "response": {
            "body": {"string": text},
            "headers": {"content-type": ["application/json; charset=utf-8"], **(headers or {})},
            "status": {"code": status, "message": "constructed"},
        },
    }


@contextmanager
def replay(
    shared: Path, tmp_path: Path, *picks: tuple[str, int] | dict[str, Any]
) -> Iterator[list[str]]:
    """Serve the picked interactions and fail if one was not requested; the yielded list
    holds, once the block ends, the URIs in the order they were requested."""
    interactions = [p if isinstance(p, dict) else recorded(shared, *p) for p in picks]
    path = tmp_path / f"composed-{len(list(tmp_path.glob('composed-*')))}.yaml"
    path.write_text(yaml.safe_dump({"interactions": interactions, "version": 1}), "utf-8")
    made: list[str] = []
    with vcr.use_cassette(str(path), record_mode="none", match_on=MATCH_ON) as cassette:
        yield made
        made.extend(request.uri for request, _ in cassette._played_interactions)
        assert cassette.all_played, f"not every composed response was requested: {made}"


def pull(**options: Any) -> Any:
    settings: dict[str, Any] = {"state": {}, "limits": RECORDED_LIMITS, **options}
    return mastodon.pull_account(instance=INSTANCE, token=TOKEN, **settings)


def table(batch: Any, name: str) -> list[dict[str, Any]]:
    return batch.tables[name].to_pylist() if name in batch.tables else []  # type: ignore[no-any-return]


# -- a whole pull of the own account -----------------------------------------------------------


def test_a_first_pull_maps_the_recorded_account(shared: Path, tmp_path: Path) -> None:
    with replay(shared, tmp_path, *FIRST_PULL) as made:
        batch = pull()
    assert [u.removeprefix(INSTANCE) for u in made] == [
        "/api/v1/accounts/verify_credentials",
        "/api/v2/instance/",
        "/api/v1/accounts/117020565966271181/statuses?limit=5",
        "/api/v1/accounts/117020565966271181/statuses?limit=5&max_id=117020580489281910",
        "/api/v1/notifications",
    ]  # the follower list is not asked for: verify_credentials says 0 followers
    assert table(batch, "accounts") == [
        {
            "account_id": ME,
            "platform": "mastodon",
            "handle": "mastodonpy_test@localhost:3000",
            "display_name": "John Lennon",
            "role": "own",
            "followers": 0,
            "url": "http://localhost:3000/@mastodonpy_test",
            "created_at": dt.datetime(2026, 8, 1, tzinfo=UTC),
        }
    ]
    assert table(batch, "follower_counts") == [
        {"account_id": ME, "observed_at": OBSERVED, "followers": 0}
    ]
    posts = {p["post_id"]: p for p in table(batch, "posts")}
    assert sorted(posts) == sorted(TOOT.values())
    nine = posts[TOOT[9]]
    assert nine["text"] == "Toot number 9!" and nine["language"] == "en"
    assert nine["created_at"] == dt.datetime(2026, 8, 1, 13, 52, 34, 108000, tzinfo=UTC)
    assert nine["url"] == "http://localhost:3000/@mastodonpy_test/117020580518794573"
    assert posts[TOOT[0]]["text"] == "Toot number 0!"
    stats = table(batch, "post_stats")
    assert len(stats) == 10
    assert {
        (s["observed_at"], s["likes"], s["reposts"], s["replies"], s["quotes"]) for s in stats
    } == {(OBSERVED, 0, 0, 0, 0)}
    (mention,) = table(batch, "interactions")
    assert mention == {
        "interaction_id": f"{ADMIN}/statuses/117020576916218297",
        "platform": "mastodon",
        "kind": "mention",
        "person_id": ADMIN,
        "account_id": ME,
        "post_id": None,
        "occurred_at": dt.datetime(2026, 8, 1, 13, 51, 39, 138000, tzinfo=UTC),
        "text": "@mastodonpy_test hello!",
        "in_reply_to_id": None,
        "actor_followers": 1,
    }
    (admin,) = table(batch, "people")
    assert admin["person_id"] == ADMIN and admin["handle"] == "admin@localhost:3000"
    assert (admin["followers"], admin["following"], admin["bio"]) == (1, 0, None)
    assert admin["first_seen_at"] == mention["occurred_at"]
    assert batch.state == {
        f"mastodon:{USERS}/117020565966271181#statuses": "117020580518794573",
        f"mastodon:{USERS}/117020565966271181#notifications": "20",
    }
    assert batch.rejections == []
    assert batch.notices == [  # the recordings go on beyond what the test replays
        "statuses: stopped at the per-pull limit of 10; older ones were not pulled (import "
        "the archive for them)",
        "notifications: stopped at the per-pull limit of 1; older ones were not pulled",
    ]


def test_grouped_notifications_become_one_like_per_person(shared: Path, tmp_path: Path) -> None:
    """The group says 2 favourites, samples mastodonpy_test_2 in full and admin only as a
    partial account (no URI), so the connector reads the group's accounts."""
    picks = (VERIFY, INSTANCE_INFO, STATUSES_PAGE_1, STATUSES_PAGE_2, GROUPED, GROUP_ACCOUNTS)
    with replay(shared, tmp_path, *picks) as made:
        batch = pull(notifications="grouped")
    assert made[-2:] == [
        f"{INSTANCE}/api/v2/notifications?limit=10&expand_accounts=partial_avatars",
        f"{INSTANCE}/api/v2/notifications/favourite-117020579695730951-495997/accounts",
    ]
    liked = f"{ME}/statuses/117020579695730951"
    likes = {i["person_id"]: i for i in table(batch, "interactions")}
    assert set(likes) == {SECOND, ADMIN}
    for person, like in likes.items():
        assert like["kind"] == "like" and like["post_id"] == liked
        assert like["interaction_id"] == hashed_interaction_id("mastodon", "like", person, liked)
    # only the group's latest act has a time: the most recent liker, mastodonpy_test_2
    assert likes[SECOND]["occurred_at"] == dt.datetime(2026, 8, 1, 13, 52, 23, 230000, tzinfo=UTC)
    assert likes[ADMIN]["occurred_at"] is None
    people = {p["person_id"]: p["handle"] for p in table(batch, "people")}
    assert people == {SECOND: "mastodonpy_test_2@localhost:3000", ADMIN: "admin@localhost:3000"}
    # the liked status is an own status the notification page carried: a post with its counts
    post = next(p for p in table(batch, "posts") if p["post_id"] == liked)
    assert post["text"] == "Testing grouped notifications!"
    (stats,) = [s for s in table(batch, "post_stats") if s["post_id"] == liked]
    assert (stats["likes"], stats["reposts"], stats["observed_at"]) == (2, 0, OBSERVED)
    assert batch.state[f"mastodon:{USERS}/117020565966271181#notifications"] == "32"


def test_a_later_pull_asks_only_for_what_is_newer(shared: Path, tmp_path: Path) -> None:
    """The first pull leaves toot 9 as its statuses cursor. A pull whose state ends at
    toot 4 asks with min_id=toot 4 (recorded: toots 5 to 9 come back) and reads the newest
    page again for fresh counts; into a store that already holds all of it, it adds
    nothing, and no count observation is repeated (the counts did not change)."""
    ws = tmp_path / "ws"
    ws.mkdir()
    with replay(shared, tmp_path, *FIRST_PULL):
        first = pull()
    with Store(ws / "rapport.duckdb") as store:
        store.apply(first)
        state = store.sync_state("mastodon:")
    statuses_key = f"mastodon:{USERS}/117020565966271181#statuses"
    assert state[statuses_key] == "117020580518794573"  # toot 9: the next pull's min_id
    later_state = {statuses_key: "117020580481736214"}  # toot 4
    picks = (VERIFY, INSTANCE_INFO, STATUSES_AFTER_4, STATUSES_PAGE_1, NOTIFICATIONS)
    with replay(shared, tmp_path, *picks) as made:
        later = pull(
            state=later_state,
            limits=Limits(statuses_page=5, statuses=5, notifications_page=None, notifications=1),
        )
    statuses = f"{INSTANCE}/api/v1/accounts/117020565966271181/statuses?limit=5"
    assert made[2:4] == [
        f"{statuses}&min_id=117020580481736214",  # what is newer than the cursor
        statuses,  # the newest page again, for fresh counts of recent posts
    ]
    assert sorted(p["post_id"] for p in table(later, "posts")) == sorted(
        TOOT[n] for n in range(5, 10)
    )
    assert later.state[statuses_key] == "117020580518794573"
    assert any("the next pull continues from there" in n for n in later.notices)
    with Store(ws / "rapport.duckdb") as store:
        summary = store.apply(later)
    assert summary.total("added") == 0 and summary.total("updated") == 0
    assert len(rows(ws, "post_stats")) == 10 and len(rows(ws, "posts")) == 10


def test_the_cli_pulls_and_stores_data_and_cursors(
    shared: Path, tmp_path: Path, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mastodon, "DEFAULT_LIMITS", RECORDED_LIMITS)
    ws = tmp_path / "ws"
    with replay(shared, tmp_path, *FIRST_PULL):
        result = invoke(
            cli,
            "pull",
            "mastodon",
            "--instance",
            INSTANCE,
            "--token",
            TOKEN,
            "--workspace",
            ws,
            "--json",
        )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["source"] == "mastodon_api" and summary["added"] == 24
    assert len(rows(ws, "posts")) == 10 and len(rows(ws, "interactions")) == 1
    with Store(ws / "rapport.duckdb") as store:
        assert (
            store.sync_state("mastodon:")[f"mastodon:{USERS}/117020565966271181#notifications"]
            == "20"
        )


def test_uris_not_instance_numbers_end_up_everywhere(shared: Path, tmp_path: Path) -> None:
    picks = (VERIFY, INSTANCE_INFO, STATUSES_PAGE_1, STATUSES_PAGE_2, GROUPED, GROUP_ACCOUNTS)
    with replay(shared, tmp_path, *picks):
        batch = pull(notifications="grouped")
    hashed = re.compile(r"^mastodon:(like|repost|follow)-[0-9a-f]{32}$")
    uri = re.compile(r"^mastodon:https?://")
    for name, columns in {
        "accounts": ["account_id"],
        "people": ["person_id"],
        "posts": ["post_id", "account_id", "in_reply_to_id", "repost_of"],
        "interactions": ["interaction_id", "person_id", "account_id", "post_id", "in_reply_to_id"],
        "post_stats": ["post_id"],
        "follower_counts": ["account_id"],
    }.items():
        for row in table(batch, name):
            for column in columns:
                value = row[column]
                if value is not None:
                    assert uri.match(value) or hashed.match(value), (name, column, value)


# -- the building blocks, one recorded endpoint at a time ------------------------------------


def _steps(account: Own, **options: Any) -> Steps:
    client = connect(INSTANCE, token=TOKEN)
    collector = Collector(BatchBuilder(source="mastodon_api", origin="test"))
    return Steps(
        client,
        account,
        collector,
        Uris(),
        {},
        options.pop("limits", RECORDED_LIMITS),
        OBSERVED,
        **options,
    )


def _own(number: int) -> Own:
    return Own(f"mastodon:{USERS}/{number}", str(number), "localhost:3000")


def test_favourited_by_lists_the_owner_s_own_favourite(shared: Path, tmp_path: Path) -> None:
    """test_status_favourited_by.yaml: mastodonpy_test favourites its own status, so the
    one favourite is the account's own act, not a person's like."""
    status = try_cast_recurse(Status, body(shared, "test_status_favourited_by.yaml", 1))
    assert status.favourites_count == 1
    with replay(shared, tmp_path, ("test_status_favourited_by.yaml", 2)) as made:
        steps = _steps(_own(117020565966271181))
        steps.fetched.append(status)
        steps.engagement()
    assert made == [f"{INSTANCE}/api/v1/statuses/117020585802289163/favourited_by"]
    assert steps.collector.count("interactions") == 0
    assert steps.collector.skipped == {"act(s) by the account itself": 1}


def test_reblogged_by_and_the_private_self_boost(shared: Path, tmp_path: Path) -> None:
    """test_status_reblogged_by.yaml: mastodonpy_test_2 boosts its own public status
    (listed: its own act), mastodonpy_test its own private one (counted, never listed)."""
    public = try_cast_recurse(Status, body(shared, "test_status_reblogged_by.yaml", 1))
    private = try_cast_recurse(Status, body(shared, "test_status_reblogged_by.yaml", 4))
    assert public.reblog.reblogs_count == 1 and private.reblog.reblogs_count == 1
    picks = (("test_status_reblogged_by.yaml", 2), ("test_status_reblogged_by.yaml", 5))
    with replay(shared, tmp_path, *picks):
        second = _steps(_own(117020566092212359))
        second.fetched.append(public.reblog)
        second.engagement()
        first = _steps(_own(117020565966271181))
        first.fetched.append(private.reblog)
        first.engagement()
    assert second.collector.skipped == {"act(s) by the account itself": 1}
    assert first.collector.count("interactions") == 0 and not first.collector.skipped
    # the boost itself is an own post of mastodonpy_test_2 pointing at what it boosted
    post, parent = status_post(public, account_id=SECOND)
    assert post["post_id"] == f"{SECOND}/statuses/117020585512776006/activity"
    assert post["repost_of"] == f"{SECOND}/statuses/117020585505579935" and parent is None


def test_an_empty_context_and_an_empty_follower_list(shared: Path, tmp_path: Path) -> None:
    picks = (("test_status_context.yaml", 1), ("test_account_followers.yaml", 1))
    with replay(shared, tmp_path, *picks):
        steps = _steps(_own(117020565966271181))
        context = steps.client.call(
            "context", steps.client.api.status_context, "117020585487094447"
        )
        root = body(shared, "test_status_context.yaml", 0)
        add_descendants(
            steps.collector,
            root,
            context,
            own=steps.own,
            uris=steps.uris,
            observed_at=OBSERVED,
            locator="context",
        )
        followers = _steps(_own(117020457910412882))
        followers.followers(None)
    assert steps.collector.count("interactions") == 0
    assert followers.collector.count("interactions") == 0 and followers.new_state == {}


def test_replies_from_people_point_at_the_status_they_answer(shared: Path) -> None:
    """test_status_reply.yaml: admin (#2) replies to mastodonpy_test_2's status (#0)."""
    root = try_cast_recurse(Status, body(shared, "test_status_reply.yaml", 0))
    reply = try_cast_recurse(Status, body(shared, "test_status_reply.yaml", 2))
    context = try_cast_recurse(Context, {"ancestors": [], "descendants": [reply]})
    collector = Collector(BatchBuilder(source="mastodon_api", origin="test"))
    uris = Uris()
    add_descendants(
        collector,
        root,
        context,
        own=_own(117020566092212359),
        uris=uris,
        observed_at=OBSERVED,
        locator="context",
    )
    (pending,) = collector.pending
    assert pending.fields == {"in_reply_to_id": "117020583245459824"}
    assert (
        uris.get("117020583245459824") == f"{USERS}/117020566092212359/statuses/117020583245459824"
    )
    steps = Steps(
        connect(INSTANCE, token=TOKEN),
        _own(117020566092212359),
        collector,
        uris,
        {},
        RECORDED_LIMITS,
        OBSERVED,
    )
    steps.resolve()  # everything is known: no request is made
    (interaction,) = table(collector_batch(collector), "interactions")
    answered = f"{SECOND}/statuses/117020583245459824"
    assert interaction["interaction_id"] == f"{ADMIN}/statuses/117020583258292382"
    assert (interaction["kind"], interaction["post_id"], interaction["in_reply_to_id"]) == (
        "reply",
        answered,
        answered,
    )
    assert interaction["text"] == "@mastodonpy_test_2 same!"
    assert interaction["occurred_at"] == dt.datetime(2026, 8, 1, 13, 53, 15, 910000, tzinfo=UTC)
    # seen from admin, the same status is an own reply linked to the URI it answers
    _, parent = status_post(reply, account_id=ADMIN)
    assert parent == "117020583245459824" and uris.get(parent) is not None


def test_a_reply_to_a_status_the_pull_never_saw_is_looked_up(shared: Path, tmp_path: Path) -> None:
    """An own reply names the status it answers by number only; the pull did not see that
    status, so it asks GET /api/v1/statuses/:id (recorded in test_status_edit.yaml #3:
    mastodonpy_test_2's status 117020586180926938) and stores its URI."""
    collector = Collector(BatchBuilder(source="mastodon_api", origin="test"))
    reply = {"post_id": f"{ME}/statuses/1", "account_id": ME, "created_at": OBSERVED}
    collector.pending.append(
        Pending("posts", reply, "a reply", {"in_reply_to_id": "117020586180926938"})
    )
    with replay(shared, tmp_path, ("test_status_edit.yaml", 3)) as made:
        steps = _steps(_own(117020565966271181))
        steps.collector = collector
        steps.resolve()
    assert made == [f"{INSTANCE}/api/v1/statuses/117020586180926938"]
    (post,) = table(collector_batch(collector), "posts")
    assert post["in_reply_to_id"] == f"{SECOND}/statuses/117020586180926938"


def collector_batch(collector: Collector) -> Any:
    collector.flush()
    return collector.builder.build()


def test_one_like_from_two_endpoints_is_stored_once(shared: Path) -> None:
    """The grouped page and the group's accounts (recorded), then the same two accounts
    as a favourited_by list would give them: still two likes, and the time kept."""
    results = try_cast_recurse(GroupedNotificationsResults, body(shared, *GROUPED))
    accounts = [try_cast_recurse(Account, a) for a in body(shared, *GROUP_ACCOUNTS)]
    collector = Collector(BatchBuilder(source="mastodon_api", origin="test"))
    own, uris = _own(117020565966271181), Uris()
    add_grouped(
        collector,
        results,
        own=own,
        uris=uris,
        observed_at=OBSERVED,
        locator="v2",
        group_accounts={"favourite-117020579695730951-495997": accounts},
    )
    liked = f"{ME}/statuses/117020579695730951"
    add_accounts_acts(collector, accounts, kind="like", own=own, target=liked, locator="list")
    add_accounts_acts(collector, accounts, kind="follow", own=own, target=None, locator="list")
    interactions = table(collector_batch(collector), "interactions")
    likes = [i for i in interactions if i["kind"] == "like"]
    follows = [i for i in interactions if i["kind"] == "follow"]
    assert len(likes) == 2 and len(follows) == 2
    assert {i["occurred_at"] for i in likes} == {
        None,
        dt.datetime(2026, 8, 1, 13, 52, 23, 230000, tzinfo=UTC),
    }
    assert {f["interaction_id"] for f in follows} == {
        hashed_interaction_id("mastodon", "follow", person, ME) for person in (ADMIN, SECOND)
    }


# -- the public pull of competitors ------------------------------------------------------------


def _lookup(shared: Path) -> dict[str, Any]:
    """NOT a recording of /api/v1/accounts/lookup (no cassette holds one): the recorded
    Account entity of mastodonpy_test, as favourited_by returned it, at the lookup address."""
    (account,) = body(shared, "test_status_favourited_by.yaml", 2)
    return constructed(
        "GET", f"{INSTANCE}/api/v1/accounts/lookup?acct=mastodonpy_test", 200, account
    )


def test_a_public_pull_reads_a_competitor_without_a_token(shared: Path, tmp_path: Path) -> None:
    competitor = AccountRef(platform="mastodon", handle="@mastodonpy_test@localhost:3000")
    picks = (INSTANCE_INFO, _lookup(shared), STATUSES_PAGE_1, STATUSES_PAGE_2)
    with replay(shared, tmp_path, *picks):
        batch = mastodon.pull_public([competitor], scheme="http", state={}, limits=RECORDED_LIMITS)
    (account,) = table(batch, "accounts")
    assert (account["account_id"], account["role"], account["handle"], account["followers"]) == (
        ME,
        "competitor",
        "mastodonpy_test@localhost:3000",
        0,
    )
    assert table(batch, "follower_counts") == [
        {"account_id": ME, "observed_at": OBSERVED, "followers": 0}
    ]
    assert len(table(batch, "posts")) == 10 and len(table(batch, "post_stats")) == 10
    assert table(batch, "interactions") == []
    assert batch.state == {
        f"mastodon-public:{USERS}/117020565966271181#statuses": "117020580518794573"
    }
    later_state = {f"mastodon-public:{USERS}/117020565966271181#statuses": "117020580481736214"}
    picks = (INSTANCE_INFO, _lookup(shared), STATUSES_AFTER_4, STATUSES_PAGE_1)
    with replay(shared, tmp_path, *picks) as made:
        later = mastodon.pull_public(
            [competitor],
            scheme="http",
            state=later_state,
            limits=Limits(statuses_page=5, statuses=5),
        )
    assert made[-2].endswith("statuses?limit=5&min_id=117020580481736214")
    assert made[-1].endswith("statuses?limit=5")
    assert len(table(later, "posts")) == 5


def test_a_competitor_out_of_reach_is_reported_and_the_others_kept(
    shared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """offline.example is in no recording, so every request to it fails (the replay lets
    nothing reach the network): that competitor is noted, the recorded one is stored."""
    monkeypatch.setattr(_mastodon_client, "sleep", lambda seconds: None)
    competitors = [
        AccountRef(platform="mastodon", handle="nobody@offline.example"),
        AccountRef(platform="mastodon", handle="mastodonpy_test@localhost:3000"),
    ]
    picks = (INSTANCE_INFO, _lookup(shared), STATUSES_PAGE_1, STATUSES_PAGE_2)
    with replay(shared, tmp_path, *picks):
        batch = mastodon.pull_public(competitors, scheme="http", state={}, limits=RECORDED_LIMITS)
    assert len(table(batch, "posts")) == 10
    (note,) = [n for n in batch.notices if n.startswith("nobody@offline.example")]
    assert "not pulled this time" in note and "failed 3 times" in note
    with replay(shared, tmp_path), pytest.raises(RemoteError, match=r"offline\.example"):
        mastodon.pull_public(competitors[:1], scheme="http", state={})


def test_competitors_through_the_api_function(shared: Path, tmp_path: Path) -> None:
    pytest.importorskip(
        "rapport.connectors.bluesky",
        reason="pull_competitors also imports "
        "the Bluesky connector, written in another part of issue 3",
    )
    from rapport import api
    from rapport.workspace import Workspace

    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "rapport.toml").write_text(
        '[[accounts.competitors]]\nplatform = "mastodon"\n'
        'handle = "mastodonpy_test@localhost:3000"\n',
        "utf-8",
    )
    picks = (INSTANCE_INFO, _lookup(shared), STATUSES_PAGE_1, STATUSES_PAGE_2)
    with pytest.MonkeyPatch.context() as patch, replay(shared, tmp_path, *picks):
        patch.setattr(mastodon, "DEFAULT_LIMITS", RECORDED_LIMITS)
        (summary,) = api.pull_competitors(
            workspace=Workspace(ws), bluesky_service="unused", mastodon_scheme="http"
        )
    assert summary.tables["posts"].added == 10
    assert rows(ws, "accounts")[0]["role"] == "competitor"


# -- failures ----------------------------------------------------------------------------------


def test_a_refused_token_is_an_authentication_error(
    shared: Path, tmp_path: Path, cli: CliRunner
) -> None:
    # NOT recorded (no cassette holds a 401): Mastodon's answer to a revoked token.
    refused = constructed(
        "GET",
        f"{INSTANCE}/api/v1/accounts/verify_credentials",
        401,
        {"error": "The access token is invalid"},
    )
    with replay(shared, tmp_path, refused), pytest.raises(AuthenticationError) as caught:
        pull()
    assert "The access token is invalid" in str(caught.value)
    assert "read:notifications" in str(caught.value)
    ws = tmp_path / "ws"
    with replay(shared, tmp_path, refused):
        result = invoke(
            cli, "pull", "mastodon", "--instance", INSTANCE, "--token", "revoked", "--workspace", ws
        )
    assert result.exit_code == 2, result.output
    assert "401" in result.stderr and "Traceback" not in result.output + result.stderr
    assert not (ws / "rapport.duckdb").exists()


def test_rate_limits_wait_and_are_reported(
    shared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The recorded X-RateLimit headers (300 per window, 299 left) are reported; a 429
    (NOT recorded: none of the cassettes hit the limit) makes Mastodon.py wait and retry."""
    waits: list[float] = []
    monkeypatch.setattr("mastodon.internals.time.sleep", waits.append)
    limited = constructed(
        "GET",
        f"{INSTANCE}/api/v1/accounts/verify_credentials",
        429,
        {"error": "Too many requests"},
        {"x-ratelimit-limit": ["300"], "x-ratelimit-remaining": ["0"]},
    )
    messages: list[str] = []
    with replay(shared, tmp_path, limited, *FIRST_PULL):
        batch = pull(progress=messages.append)
    # no usable reset time in the 429, so Mastodon.py backs off 2 s and asks again
    assert len(waits) == 1 and 1.9 < waits[0] <= 2
    assert len(table(batch, "posts")) == 10
    assert messages[-1] == "299 of 300 requests left in this rate-limit window"


def test_an_unreachable_instance_is_retried_then_a_remote_error(
    monkeypatch: pytest.MonkeyPatch, cli: CliRunner, tmp_path: Path
) -> None:
    with socket.socket() as probe:  # a port on this machine that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    waits: list[float] = []
    monkeypatch.setattr(_mastodon_client, "sleep", waits.append)
    with pytest.raises(RemoteError, match="failed 3 times") as caught:
        mastodon.pull_account(instance=f"http://127.0.0.1:{port}", token="t", state={})
    assert waits == [1.0, 2.0]
    assert "verify_credentials" in str(caught.value)
    result = invoke(
        cli,
        "pull",
        "mastodon",
        "--instance",
        f"http://127.0.0.1:{port}",
        "--token",
        "t",
        "--workspace",
        tmp_path / "ws",
    )
    assert result.exit_code == 1 and "Traceback" not in result.output + result.stderr


def test_bad_instance_and_handles_are_usage_errors() -> None:
    from rapport.errors import UsageError

    with pytest.raises(UsageError, match="not a Mastodon instance address") as bad_instance:
        mastodon.pull_account(instance="ftp://x/y", token="t", state={})
    assert bad_instance.value.option == "instance"
    with pytest.raises(UsageError, match=r"^the token is empty") as caught:
        mastodon.pull_account(instance="mastodon.example", token=" ", state={})
    assert caught.value.option == "token"
    with pytest.raises(UsageError, match="must look like user@instance"):
        mastodon.pull_public(
            [AccountRef(platform="mastodon", handle="justaname")], scheme="https", state={}
        )


def test_without_a_date_header_the_local_clock_names_the_moment() -> None:
    client = connect(INSTANCE, token=None, clock=lambda: dt.datetime(2030, 1, 2, tzinfo=UTC))
    assert client.observed_at() == dt.datetime(2030, 1, 2, tzinfo=UTC)
    client.dates.append("Sat, 01 Aug 2026 13:53:00 GMT")
    assert client.observed_at() == OBSERVED
