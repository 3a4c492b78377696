"""How fast `rapport metrics --json` is against a plain DuckDB SQL pass over the same data.

For each size (1M and 10M interactions by default) the script generates a canonical data set
with NumPy (one own account, posts, people, likes/reposts/replies/follows/unfollows with
times, the account's answers, follower history, conversions), imports it with `rapport import`
(timed, for information), then times in fresh processes:

* ``rapport metrics --json`` (wall clock, start-up included; DuckDB memory limited), twice:
  the first run after the import surveys the data and compiles the metrics' SQL, and keeps
  both in the workspace's cache (``.rapport/cache/``); the second ("again") reads them and
  sends the same SQL without building an Ibis expression (see ``rapport.engines.plans``);
* two plain passes, ``duckdb`` opening the same store file (fresh processes too):
  - **core**: the core aggregates in hand-written SQL (engagement per post, reply rate and
    time to first reply, promotional share, people who came back, the core community,
    cohorts, posts per week);
  - **same**: every aggregate behind every metric the command computes, hand-written in
    ``bench/metrics_plain.sql`` (shared pieces in temporary tables, as one would by hand).

It prints time, peak memory (the child's max RSS) and the ratio. This is a script, not a
test: nothing asserts a duration.

    .venv/bin/python bench/metrics.py                      # 1M and 10M interactions
    .venv/bin/python bench/metrics.py --interactions 200000
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

from rapport.canonical import arrow_schema, write_canonical

MEMORY_LIMIT = "1500MB"
START = dt.datetime(2025, 1, 6, tzinfo=dt.UTC)
KINDS = np.array(["promo", "educational", "question", "news", "throwback", "behind_the_scenes"])
REPLIES = np.array(
    [
        "Love this!",
        "How much is it?",
        "Do you ship to Lyon?",
        "🔥🔥",
        "meh",
        "Thanks for the tip",
        "When do you open?",
        "This slaps",
        "Not for me",
    ]
)


def _micros(seconds: np.ndarray) -> pa.Array:
    base = int(START.timestamp() * 1_000_000)
    return pa.array(base + (seconds * 1_000_000).astype(np.int64), pa.timestamp("us", tz="UTC"))


def generate(folder: Path, *, interactions: int, seed: int = 1) -> None:
    """A canonical data set of about ``interactions`` interactions (written as Parquet)."""
    rng = np.random.default_rng(seed)
    days = 365
    n_posts = max(200, interactions // 200)
    n_people = max(1000, interactions // 10)
    post_seconds = np.sort(rng.uniform(0, days * 86400, n_posts))
    post_ids = np.array([f"x:{i}" for i in range(n_posts)])
    kinds = KINDS[rng.integers(0, len(KINDS), n_posts)]
    posts = {
        "post_id": post_ids,
        "account_id": np.full(n_posts, "x:shop"),
        "created_at": _micros(post_seconds),
        "content_kind": kinds,
    }
    # people's acts: heavy-tailed who, decaying when
    who = np.minimum(rng.zipf(1.6, interactions) - 1, n_people - 1)
    on_post = rng.integers(0, n_posts, interactions)
    delay = rng.lognormal(mean=8.5, sigma=1.6, size=interactions)
    when = np.minimum(post_seconds[on_post] + delay, days * 86400 - 1)
    kind = rng.choice(
        ["like", "repost", "reply", "follow", "unfollow", "mention"],
        size=interactions,
        p=[0.62, 0.1, 0.18, 0.06, 0.02, 0.02],
    )
    # a person follows at most once, and unfollows only after following (as on real accounts)
    follows = np.flatnonzero(kind == "follow")
    followers = (
        rng.permutation(n_people)[: len(follows)]
        if len(follows) <= n_people
        else (rng.integers(0, n_people, len(follows)))
    )
    who[follows] = followers
    unfollows = np.flatnonzero(kind == "unfollow")
    quitters = rng.integers(0, len(follows), len(unfollows))
    who[unfollows] = followers[quitters]
    when[unfollows] = np.minimum(
        when[follows][quitters] + rng.exponential(40 * 86400, len(unfollows)), days * 86400 - 1
    )
    has_post = np.isin(kind, ["like", "repost", "reply"])
    text = np.where(
        np.isin(kind, ["reply", "mention"]),
        REPLIES[rng.integers(0, len(REPLIES), interactions)],
        None,
    )
    interaction_ids = np.char.add("x:i", np.arange(interactions).astype(str))
    interaction_table = pa.table(
        {
            "interaction_id": interaction_ids,
            "platform": np.full(interactions, "x"),
            "kind": kind,
            "person_id": np.char.add("x:u", who.astype(str)),
            "account_id": np.full(interactions, "x:shop"),
            "post_id": pa.array(np.where(has_post, post_ids[on_post], None), pa.string()),
            "occurred_at": _micros(when),
            "text": pa.array(text, pa.string()),
            "in_reply_to_id": pa.nulls(interactions, pa.string()),
            "actor_followers": rng.integers(0, 5000, interactions),
        }
    )
    # the account answers 40 % of replies and mentions, hours later
    asked = np.flatnonzero(np.isin(kind, ["reply", "mention"]))
    answered = asked[rng.random(len(asked)) < 0.4]
    answer_seconds = when[answered] + rng.lognormal(9.5, 1.0, len(answered))
    answers = {
        "post_id": np.char.add("x:a", np.arange(len(answered)).astype(str)),
        "account_id": np.full(len(answered), "x:shop"),
        "created_at": _micros(answer_seconds),
        "in_reply_to_id": interaction_ids[answered],
    }
    post_table = pa.concat_tables([pa.table(posts), pa.table(answers)], promote_options="default")
    follower_days = np.arange(days)
    tables = {
        "accounts": pa.table(
            {
                "account_id": ["x:shop"],
                "platform": ["x"],
                "handle": ["shop"],
                "role": ["own"],
                "followers": [1000 + days * 20],
            }
        ),
        "posts": post_table,
        "interactions": interaction_table,
        "follower_counts": pa.table(
            {
                "account_id": np.full(days, "x:shop"),
                "observed_at": _micros(follower_days * 86400.0),
                "followers": 1000 + follower_days * 20 + rng.integers(0, 15, days),
            }
        ),
        "conversions": pa.table(
            {
                "conversion_id": np.char.add("web:", np.arange(n_posts).astype(str)),
                "occurred_at": _micros(post_seconds + 3600),
                "kind": np.full(n_posts, "signup"),
                "post_id": pa.array(
                    np.where(rng.random(n_posts) < 0.3, post_ids, None), pa.string()
                ),
            }
        ),
    }
    for name, table in tables.items():
        schema = arrow_schema(name)
        columns = {
            f.name: (
                table.column(f.name)
                if f.name in table.column_names
                else pa.nulls(table.num_rows, f.type)
            )
            for f in schema
        }
        tables[name] = pa.table(columns).cast(schema)
    write_canonical(tables, folder, source="bench/metrics.py")


PLAIN_SQL = """
SET memory_limit = '{limit}';
SET threads = 2;
-- engagement per post, divided by followers at posting time
WITH own AS (SELECT * FROM posts WHERE account_id = 'x:shop'),
orig AS (SELECT * FROM own WHERE in_reply_to_id IS NULL AND repost_of IS NULL),
eng AS (SELECT post_id, count(*) FILTER (WHERE kind IN ('like','repost','reply','quote')) AS e
        FROM interactions WHERE post_id IS NOT NULL GROUP BY post_id),
fol AS (SELECT o.post_id, arg_max(f.followers, f.observed_at) AS followers
        FROM orig o JOIN follower_counts f ON f.account_id = o.account_id
        AND f.observed_at <= o.created_at GROUP BY o.post_id)
SELECT median(coalesce(e, 0) / followers), count(*) FROM orig LEFT JOIN eng USING (post_id)
JOIN fol USING (post_id);
-- reply rate and time to first reply
WITH asked AS (SELECT * FROM interactions WHERE kind IN ('reply','mention')),
first AS (SELECT in_reply_to_id, min(created_at) AS t FROM posts
          WHERE in_reply_to_id IS NOT NULL GROUP BY 1)
SELECT count(t) / count(*), median(epoch(t) - epoch(occurred_at)) / 3600,
       quantile_cont(epoch(t) - epoch(occurred_at), 0.9) / 3600
FROM asked LEFT JOIN first ON first.in_reply_to_id = asked.interaction_id;
-- promotional share, posts per week
SELECT count(*) FILTER (WHERE content_kind = 'promo') / count(*),
       count(*) / ((epoch(max(created_at)) - epoch(min(created_at))) / 604800)
FROM posts WHERE in_reply_to_id IS NULL AND repost_of IS NULL;
-- people who came back, core community
WITH e AS (SELECT person_id, occurred_at FROM interactions
           WHERE kind IN ('like','repost','quote','reply','mention','save','share')),
w AS (SELECT person_id, count(DISTINCT date_trunc('week', occurred_at)) AS weeks FROM e GROUP BY 1),
c AS (SELECT person_id, count(DISTINCT date_trunc('week', occurred_at)) AS weeks FROM e
      WHERE occurred_at > (SELECT max(occurred_at) FROM e) - INTERVAL 90 DAY GROUP BY 1)
SELECT (SELECT count(*) FILTER (WHERE weeks >= 2) FROM w), (SELECT count(*) FROM w),
       (SELECT count(*) FILTER (WHERE weeks >= 2) FROM c);
-- monthly cohorts
WITH m AS (SELECT DISTINCT person_id, year(occurred_at) * 12 + month(occurred_at) AS month
           FROM interactions WHERE kind IN ('like','repost','quote','reply','mention')),
f AS (SELECT person_id, min(month) AS cohort FROM m GROUP BY 1)
SELECT cohort, month - cohort AS k, count(*) FROM m JOIN f USING (person_id) GROUP BY ALL;
"""


_MEASURE = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n"
    "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time and peak RSS (MiB) of ``command``, measured by a fresh watcher process."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds, kib = done.stdout.split()
    return float(seconds), float(kib) / 1024


def run(interactions: int, workdir: Path) -> None:
    data = workdir / f"data-{interactions}"
    ws = workdir / f"ws-{interactions}"
    started = time.perf_counter()
    generate(data, interactions=interactions)
    generated = time.perf_counter() - started
    env = dict(os.environ, RAPPORT_DUCKDB_MEMORY_LIMIT=MEMORY_LIMIT)
    rapport = str(Path(sys.executable).parent / "rapport")
    import_seconds, import_mib = _timed([rapport, "import", str(data), "--workspace", str(ws)], env)
    script = workdir / "plain.py"
    script.write_text(
        "import duckdb, sys\n"
        f"con = duckdb.connect({str(ws / 'rapport.duckdb')!r}, read_only=True)\n"
        f"con.execute(\"SET memory_limit = '{MEMORY_LIMIT}'\")\n"
        "for q in open(sys.argv[1]).read().split('\\n;'):\n"
        "    body = '\\n'.join(l for l in q.splitlines() if not l.strip().startswith('--'))\n"
        "    if body.strip():\n"
        "        con.execute(body).fetchall()\n"
    )
    core = workdir / "core.sql"
    core.write_text("\n;\n".join(PLAIN_SQL.format(limit=MEMORY_LIMIT).split(";")))
    same = Path(__file__).with_name("metrics_plain.sql")
    core_seconds, _ = _timed([sys.executable, str(script), str(core)], env)
    same_seconds, same_mib = _timed([sys.executable, str(script), str(same)], env)
    command = [rapport, "metrics", "--json", "--workspace", str(ws)]
    metrics_seconds, metrics_mib = _timed(command, env)
    again_seconds, again_mib = _timed(command, env)
    print(
        f"{interactions:>12,} {generated:7.1f} {import_seconds:8.1f} {import_mib:7.0f} "
        f"{core_seconds:7.2f} {same_seconds:7.2f} {same_mib:7.0f} {metrics_seconds:8.2f} "
        f"{metrics_mib:7.0f} {metrics_seconds / core_seconds:7.2f} "
        f"{metrics_seconds / same_seconds:7.2f} {again_seconds:7.2f} {again_mib:7.0f} "
        f"{again_seconds / same_seconds:7.2f}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--interactions", type=int, nargs="*", default=[1_000_000, 10_000_000])
    parser.add_argument("--keep", type=Path, help="keep the generated data in this folder")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; DuckDB memory limit {MEMORY_LIMIT}"
    )
    print(
        f"{'interactions':>12} {'gen s':>7} {'import s':>8} {'imp MiB':>7} {'core s':>7} "
        f"{'same s':>7} {'sameMiB':>7} {'metrics':>8} {'met MiB':>7} {'×core':>7} {'×same':>7} "
        f"{'again s':>7} {'agn MiB':>7} {'×same':>7}"
    )
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="rapport-bench-"))
    try:
        for size in args.interactions:
            run(size, workdir)
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
