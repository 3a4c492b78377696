"""What "at most once" costs: publishing and answering through rapport against plain posting,
on the REAL local Bluesky network.

    .venv/bin/python bench/act.py [--posts 20] [--replies 5]

Starts the local Bluesky network the tests use (tools/bluesky-network-setup.sh must have
run), makes a shop and a workspace connected to it, then times, in this process:

* **baseline**: the SDK posting ``--posts`` posts one after another (``send_post``: one
  login, no key, no check, nothing stored);
* **publish**: the same number of posts written in rapport, scheduled, and sent by one
  ``publish_due`` run (for each: the key chosen at drafting, ``getRecord`` on it, then
  ``createRecord`` under it, the outcome written to the store, and the post entered in the
  store as a pull would);
* **reply**: ``--replies`` customers' questions answered with ``reply_to_care_item`` (the
  outbox row first, the check, the record, sent and done in one transaction), against as
  many plain ``send_post`` replies.

It prints each path's time per post, the ratio to the baseline in this run, and the peak
memory of the process (the network runs in other processes). Not a timed test: compare the
ratios of one run (this machine has 2 cores and is noisy).
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

from atproto import models

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import bluesky_support as network  # noqa: E402

from rapport.api import reply_to_care_item, sync_connection  # noqa: E402
from rapport.api.publishing import draft_post, publish_due, schedule_post  # noqa: E402
from rapport.credentials import BlueskyCredentials, Connections  # noqa: E402
from rapport.workspace import Workspace  # noqa: E402


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _per_post(seconds: float, count: int) -> str:
    return f"{seconds / count * 1000:8.1f} ms a post"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=20)
    parser.add_argument("--replies", type=int, default=5)
    args = parser.parse_args()
    tools = network._find_tools()
    if isinstance(tools, str):
        sys.exit(f"the local Bluesky network can't start here: {tools}")
    work = Path(tempfile.mkdtemp(prefix="rapport-bench-act-"))
    servers = network._Servers(tools, work)
    try:
        print("starting the local Bluesky network …", flush=True)
        started = network._start(tools, servers)
        run(started.pds, work, posts=args.posts, replies=args.replies)
    finally:
        servers.stop()
        shutil.rmtree(work, ignore_errors=True)


def run(pds: str, work: Path, *, posts: int, replies: int) -> None:
    tag = uuid.uuid4().hex[:6]
    shop = network.new_account(pds, f"bench{tag}")
    password = shop.client.com.atproto.server.create_app_password(
        models.ComAtprotoServerCreateAppPassword.Data(name="rapport bench")
    ).password
    workspace = Workspace(work / "ws")
    workspace.create()
    connection = Connections(workspace).add(
        BlueskyCredentials.of(handle=shop.handle, app_password=password, service=pds)
    )
    sync_connection(connection.connection_id, workspace=workspace)  # as `rapport connect` does

    # the baseline: plain posts
    began = time.perf_counter()
    for n in range(posts):
        shop.client.send_post(f"plain post {n}")
    baseline = time.perf_counter() - began

    # publishing through rapport
    now = dt.datetime.now(dt.UTC)
    at = now + dt.timedelta(minutes=1)
    ids = []
    for n in range(posts):
        made = draft_post(workspace=workspace, platform="bluesky", text=f"planned post {n}",
                          at=at + dt.timedelta(seconds=n), promotion=False)  # fmt: skip
        ids.append(made.post.id)
    for post in ids:  # a second apart: the gap rule is overridden, as a person may
        schedule_post(workspace=workspace, post=post, override=True, reason="bench")
    began = time.perf_counter()
    done = publish_due(workspace=workspace, now=at + dt.timedelta(seconds=posts + 1))
    published = time.perf_counter() - began
    assert len(done.published) == posts, done.to_dict()

    # answering through rapport
    post = shop.client.send_post("Questions welcome!")
    ref = models.create_strong_ref(post)
    asked = []
    for n in range(replies):
        customer = network.new_account(pds, f"cu{n}{tag}")
        asked.append(customer.client.send_post(
            f"Question {n}?", reply_to=models.AppBskyFeedPost.ReplyRef(parent=ref, root=ref)
        ))  # fmt: skip
    network.visible(shop.client, [a.uri for a in asked])
    sync_connection(connection.connection_id, workspace=workspace)
    from rapport.strategy.care_list.items import item_id

    targets = [f"bluesky:{a.uri}" for a in asked]
    began = time.perf_counter()
    for target in targets:
        reply_to_care_item(workspace=workspace, item_id=item_id("answer", target), text="Yes!")
    answered = time.perf_counter() - began
    began = time.perf_counter()
    for a in asked:
        parent = models.create_strong_ref(a)
        shop.client.send_post(
            "Plain answer", reply_to=models.AppBskyFeedPost.ReplyRef(parent=parent, root=ref)
        )
    plain_replies = time.perf_counter() - began

    rows = [
        ("baseline: send_post", baseline, posts, 1.0),
        ("publish_due (key, check, store)", published, posts, published / baseline),
        ("baseline: send_post replies", plain_replies, replies, 1.0),
        ("care reply (outbox, check, done)", answered, replies,
         (answered / replies) / (plain_replies / replies)),
    ]  # fmt: skip
    print(f"{'path':34} {'posts':>5} {'total s':>8} {'per post':>17} {'ratio':>6}")
    for name, seconds, count, ratio in rows:
        print(f"{name:34} {count:5d} {seconds:8.2f} {_per_post(seconds, count)} {ratio:6.2f}")
    print(f"peak memory of this process: {_peak_mib():.0f} MiB")


if __name__ == "__main__":
    main()
