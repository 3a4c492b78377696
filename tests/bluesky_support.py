"""A REAL local Bluesky network for the connector tests, started once per test run.

PLC, PDS and AppView come from ``@atproto/dev-env`` (``tests/bluesky_network/``), on a
disposable PostgreSQL and Redis; every server listens on 127.0.0.1 only and is stopped at the
end, even when a test fails. ``tools/bluesky-network-setup.sh`` installs what this needs; where
something is missing the fixture skips with the reason and that command, unless
``RAPPORT_REQUIRE_BLUESKY=1`` (set by ``.ci/run``) turns the skip into a failure.

The data is written from Python with the atproto SDK, like a real client would: a bakery
(``biz.test``), four people who like, repost, quote, reply, mention and follow, and a
competitor (``rival.test``). :data:`EXPECTED` holds the numbers the tests assert.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from atproto import Client, client_utils, models
from atproto_client.exceptions import AtProtocolError

__all__ = [
    "EXPECTED",
    "BlueskyNetwork",
    "Seeded",
    "bluesky_network",
    "new_account",
    "visible",
    "wait_for",
]

ROOT = Path(__file__).resolve().parents[1]
NETWORK_DIR = ROOT / "tests" / "bluesky_network"
SETUP = "tools/bluesky-network-setup.sh"
LIFETIME_S = 1200
"""Every server stops by itself after this long, even if the test run is killed."""

T = TypeVar("T")


# -- finding what the setup script installed ---------------------------------------------------
def cache_dir() -> Path:
    """Where tools/bluesky-network-setup.sh put Node and node_modules (same key as there)."""
    base = os.environ.get("RAPPORT_BLUESKY_CACHE") or str(
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        / "rapport"
        / "bluesky-network"
    )
    material = (NETWORK_DIR / "package.json").read_bytes() + (
        NETWORK_DIR / "package-lock.json"
    ).read_bytes()
    return Path(base) / hashlib.sha256(material).hexdigest()[:16]


@dataclass(frozen=True)
class _Tools:
    node: Path
    node_modules: Path
    postgres_bin: Path
    redis_server: str


def _postgres_bin() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    return candidates[-1].parent if candidates else None


def _find_tools() -> _Tools | str:
    """The tools, or why they can't be used."""
    cache = cache_dir()
    node = cache / "node" / "bin" / "node"
    modules = cache / "node_modules"
    if not node.exists() or not (cache / ".installed").exists():
        return f"Node 22 and @atproto/dev-env are not installed in {cache}"
    postgres = _postgres_bin()
    if postgres is None or not (postgres / "postgres").exists():
        return "PostgreSQL (initdb, postgres) is not installed"
    redis = shutil.which("redis-server")
    if redis is None:
        return "Redis (redis-server) is not installed"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root, but there is no 'postgres' user to run initdb as"
    return _Tools(node, modules, postgres, redis)


def _unavailable(reason: str) -> None:
    message = f"local Bluesky network unavailable: {reason}; run {SETUP}"
    if os.environ.get("RAPPORT_REQUIRE_BLUESKY") == "1":
        pytest.fail(message + " (RAPPORT_REQUIRE_BLUESKY=1 makes this a failure)")
    pytest.skip(message)


# -- servers -------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(
    check: Callable[[], T | None],
    *,
    what: str,
    timeout: float = 30.0,
    interval: float = 0.1,
) -> T:
    """Poll ``check`` until it returns something truthy (the AppView indexes asynchronously)."""
    deadline = time.monotonic() + timeout
    last: BaseException | None = None
    while True:
        try:
            result = check()
            if result:
                return result
        except (AtProtocolError, OSError) as exc:
            last = exc
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not true after {timeout:.0f} s (last error: {last})")
        time.sleep(interval)


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@dataclass
class _Servers:
    """PostgreSQL, Redis and the network, each started by id and stopped by id."""

    tools: _Tools
    work: Path
    processes: list[tuple[str, subprocess.Popen[bytes], int]] = field(default_factory=list)

    def _as_postgres(self) -> dict[str, Any]:
        if os.geteuid() != 0:
            return {}
        return {"user": "postgres", "group": "postgres", "extra_groups": []}

    def _spawn(
        self, name: str, command: list[str], *, stop: int, log: Path, **kwargs: Any
    ) -> subprocess.Popen[bytes]:
        with log.open("ab") as out:
            process = subprocess.Popen(
                ["timeout", "--signal=TERM", str(LIFETIME_S), *command],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                **kwargs,
            )
        self.processes.append((name, process, stop))
        return process

    def start_postgres(self) -> str:
        pg = self.tools.postgres_bin
        data = self.work / "pgdata"
        log = self.work / "postgres.log"
        if os.geteuid() == 0:
            record = pwd.getpwnam("postgres")
            os.chown(self.work, record.pw_uid, record.pw_gid)
        command = [str(pg / "initdb"), "-D", str(data), "-U", "rapport", "--auth=trust"]
        command += ["-E", "UTF8", "--locale=C", "--no-sync"]
        init = subprocess.run(
            command,
            capture_output=True,
            check=False,
            **self._as_postgres(),
        )
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed: {init.stdout!r} {init.stderr!r}")
        port = _free_port()
        settings = ["listen_addresses=127.0.0.1", "fsync=off", "synchronous_commit=off"]
        settings += ["full_page_writes=off", f"unix_socket_directories={data}"]
        command = [str(pg / "postgres"), "-D", str(data), "-p", str(port)]
        for setting in settings:
            command += ["-c", setting]
        # SIGINT is PostgreSQL's fast shutdown; timeout(1) passes it on.
        process = self._spawn(
            "postgres", command, stop=signal.SIGINT, log=log, **self._as_postgres()
        )
        ready = pg / "pg_isready"

        def accepting() -> bool:
            if process.poll() is not None:
                raise RuntimeError(f"postgres exited:\n{_tail(log)}")
            probe = [str(ready), "-q", "-h", "127.0.0.1", "-p", str(port), "-U", "rapport"]
            return subprocess.run(probe, check=False).returncode == 0

        wait_for(accepting, what="PostgreSQL accepts connections", timeout=30)
        return f"postgresql://rapport@127.0.0.1:{port}/postgres"

    def start_redis(self) -> str:
        folder = self.work / "redis"
        folder.mkdir()
        port = _free_port()
        command = [self.tools.redis_server, "--bind", "127.0.0.1", "--port", str(port)]
        command += ["--save", "", "--appendonly", "no", "--dir", str(folder)]
        process = self._spawn("redis", command, stop=signal.SIGTERM, log=self.work / "redis.log")

        def pong() -> bool:
            if process.poll() is not None:
                raise RuntimeError(f"redis exited:\n{_tail(self.work / 'redis.log')}")
            with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")

        wait_for(pong, what="Redis answers PING", timeout=20)
        return f"127.0.0.1:{port}"

    def start_network(self, postgres_url: str, redis_host: str) -> dict[str, Any]:
        handshake = self.work / "network.json"
        log = self.work / "network.log"
        node_tmp = self.work / "node-tmp"
        node_tmp.mkdir()
        # dev-env accepts only letters and underscores in the schema name.
        schema = "rapport_" + "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:10])
        env = {
            **os.environ,
            "PATH": f"{self.tools.node.parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "BSKY_NODE_MODULES": str(self.tools.node_modules),
            "DB_POSTGRES_URL": postgres_url,
            "DB_POSTGRES_SCHEMA": schema,
            "REDIS_HOST": redis_host,
            "PLC_PORT": str(_free_port()),
            "PDS_PORT": str(_free_port()),
            "BSKY_PORT": str(_free_port()),
            "OZONE_PORT": str(_free_port()),
            "NETWORK_JSON": str(handshake),
            "MAX_LIFETIME_S": str(LIFETIME_S - 60),
            "PARENT_PID": str(os.getpid()),
            "LOG_ENABLED": "false",
            "TMPDIR": str(node_tmp),
        }
        command = [str(self.tools.node), "--require", "./loopback-only.cjs", "start-network.mjs"]
        process = self._spawn(
            "network", command, stop=signal.SIGTERM, log=log, cwd=NETWORK_DIR, env=env
        )

        def up() -> bool:
            if process.poll() is not None:
                raise RuntimeError(f"the network exited:\n{_tail(log)}")
            return handshake.exists()

        wait_for(up, what="the network writes network.json", timeout=120, interval=0.2)
        info: dict[str, Any] = json.loads(handshake.read_text())
        return info

    def stop(self) -> None:
        """Stop everything started, newest first; kill what does not stop in 20 s.

        timeout(1) passes the stop signal on to its command; it also leads a process group
        of its own (it and the server), so a kill reaches both and nothing else.
        """
        while self.processes:
            _name, process, stop = self.processes.pop()
            if process.poll() is None:
                process.send_signal(stop)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=10)


# -- the seeded world ------------------------------------------------------------------------
@dataclass
class Account:
    name: str
    handle: str
    did: str
    password: str
    client: Client


@dataclass
class Seeded:
    """What the seed wrote: accounts by name, post at-uris by name, the biz app password."""

    accounts: dict[str, Account]
    posts: dict[str, models.AppBskyFeedPost.CreateRecordResponse]
    app_password: str


@dataclass
class BlueskyNetwork:
    pds: str
    appview: str
    plc: str
    seeded: Seeded

    def account(self, name: str) -> Account:
        return self.seeded.accounts[name]

    def uri(self, post: str) -> str:
        return self.seeded.posts[post].uri


PEOPLE = {
    "biz": ("Biz Bakery", "Sourdough bakery on Mill Street. Orders open every Friday."),
    "alice": ("Alice", "Home baker and food blogger."),
    "bob": ("Bob", "Coffee first."),
    "carol": ("Carol", "Runs the farmers market."),
    "dave": ("Dave", "Bread enthusiast, amateur photographer."),
    "rival": ("Rival Rolls", "Cinnamon rolls and more, two streets away."),
}

EXPECTED: dict[str, Any] = {
    # post name -> (likes, reposts, replies, quotes), as the AppView counts them
    "stats": {
        "p1": (3, 2, 1, 1),
        "p2": (1, 0, 1, 0),
        "p3": (0, 0, 0, 0),
        "biz_reply": (0, 0, 1, 0),
    },
    "followers": {"biz": 4, "rival": 2},
    "notifications": 15,
    "likers_p1": ["alice.test", "bob.test", "carol.test"],
}


def _create(pds: str, name: str) -> tuple[str, str, str]:
    handle = f"{name}.test"
    password = f"{name}-pass-{uuid.uuid4().hex[:6]}"
    created = Client(base_url=pds).com.atproto.server.create_account(
        models.ComAtprotoServerCreateAccount.Data(
            handle=handle, email=f"{name}@example.com", password=password
        )
    )
    return handle, created.did, password


def _log_in(pds: str, name: str, handle: str, did: str, password: str) -> Account:
    client = Client(base_url=pds)
    # login() also reads the profile from the AppView, which lags the PDS by about a second.
    wait_for(lambda: client.login(handle, password), what=f"login as {handle}", timeout=20)
    return Account(name, handle, did, password, client)


def _set_profile(account: Account, display: str, bio: str) -> None:
    account.client.com.atproto.repo.put_record(
        models.ComAtprotoRepoPutRecord.Data(
            repo=account.did,
            collection="app.bsky.actor.profile",
            rkey="self",
            record={"$type": "app.bsky.actor.profile", "displayName": display, "description": bio},
        )
    )


def new_account(pds: str, name: str, *, profile: tuple[str, str] | None = None) -> Account:
    """Create an account on the local PDS and log in (retrying until the AppView knows it)."""
    account = _log_in(pds, name, *_create(pds, name))
    if profile is not None:
        _set_profile(account, *profile)
    return account


def visible(client: Client, uris: list[str]) -> None:
    """Wait until the AppView shows these posts (before anyone reacts to them)."""
    wait_for(
        lambda: len(client.get_posts(uris).posts) == len(uris),
        what=f"the AppView shows {len(uris)} new post(s)",
    )


def _seed(pds: str) -> Seeded:
    # In parallel: each account costs the PDS a password hash, and each login waits for the
    # AppView to index the new account.
    with ThreadPoolExecutor(max_workers=len(PEOPLE)) as pool:
        accounts = dict(
            zip(
                PEOPLE,
                pool.map(lambda n: new_account(pds, n, profile=PEOPLE[n]), PEOPLE),
                strict=True,
            )
        )
    biz, alice, bob, carol, dave, rival = (accounts[n].client for n in PEOPLE)
    posts: dict[str, models.AppBskyFeedPost.CreateRecordResponse] = {}
    ref = models.create_strong_ref

    # The emoji before the link makes byte offsets differ from character offsets.
    text = client_utils.TextBuilder()
    text.text("Fresh sourdough today \N{BREAD} order here: ")
    text.link("example.com/order", "https://example.com/order?utm_source=bluesky")
    text.text(" ").tag("#Bakery", "Bakery")
    posts["p1"] = biz.send_post(text, langs=["en"])
    posts["p2"] = biz.send_post("Do you prefer rye or spelt? Tell us!", langs=["en"])
    card = models.AppBskyEmbedExternal.Main(
        external=models.AppBskyEmbedExternal.External(
            uri="https://example.com/blog/starter",
            title="How we keep our starter alive",
            description="Flour, water, patience.",
        )
    )
    posts["p3"] = biz.send_post("New on the blog", embed=card, langs=["en"])
    posts["a1"] = alice.send_post("Just baked my first loaf at home!")
    posts["r1"] = rival.send_post("Two for one on cinnamon rolls every Tuesday")
    posts["r2"] = rival.send_post("New: cardamom buns")
    # The AppView indexes each repository on its own: a like indexed before the post it likes
    # makes no notification. Real people act on posts they have seen, so wait likewise.
    visible(biz, [p.uri for p in posts.values()])

    biz.repost(posts["a1"].uri, posts["a1"].cid)
    for client in (alice, bob, carol):
        client.like(posts["p1"].uri, posts["p1"].cid)
    alice.like(posts["p2"].uri, posts["p2"].cid)
    alice.repost(posts["p1"].uri, posts["p1"].cid)
    dave.repost(posts["p1"].uri, posts["p1"].cid)

    def reply_to(parent: Any, root: Any) -> models.AppBskyFeedPost.ReplyRef:
        return models.AppBskyFeedPost.ReplyRef(parent=ref(parent), root=ref(root))

    posts["bob_reply"] = bob.send_post(
        "Will you have baguettes too?", reply_to=reply_to(posts["p1"], posts["p1"])
    )
    posts["carol_reply"] = carol.send_post(
        "Spelt, always.", reply_to=reply_to(posts["p2"], posts["p2"])
    )
    visible(biz, [posts["bob_reply"].uri])
    posts["biz_reply"] = biz.send_post(
        "Yes, from 8 am!", reply_to=reply_to(posts["bob_reply"], posts["p1"])
    )
    visible(biz, [posts["biz_reply"].uri])
    posts["dave_reply"] = dave.send_post(
        "See you at 8 then", reply_to=reply_to(posts["biz_reply"], posts["p1"])
    )
    posts["dave_quote"] = dave.send_post(
        "Best bread in town",
        embed=models.AppBskyEmbedRecord.Main(record=ref(posts["p1"])),
    )
    mention = client_utils.TextBuilder().text("Market day with ")
    mention.mention("@biz.test", accounts["biz"].did).text(" tomorrow")
    posts["alice_mention"] = alice.send_post(mention)
    for client in (alice, bob, carol, dave):
        client.follow(accounts["biz"].did)
    biz.follow(accounts["alice"].did)
    alice.like(posts["r1"].uri, posts["r1"].cid)
    bob.repost(posts["r1"].uri, posts["r1"].cid)
    carol.follow(accounts["rival"].did)
    dave.follow(accounts["rival"].did)

    app_password = biz.com.atproto.server.create_app_password(
        models.ComAtprotoServerCreateAppPassword.Data(name="rapport tests")
    ).password

    observed: dict[str, Any] = {}

    def indexed() -> bool:
        views = {p.uri: p for p in biz.get_posts([posts[n].uri for n in EXPECTED["stats"]]).posts}
        observed["stats"] = {
            name: (v.like_count, v.repost_count, v.reply_count, v.quote_count)
            for name in EXPECTED["stats"]
            if (v := views.get(posts[name].uri)) is not None
        }
        observed["notifications"] = biz.app.bsky.notification.get_unread_count().count
        observed["rival followers"] = biz.get_profile("rival.test").followers_count
        wanted = {
            "stats": EXPECTED["stats"],
            "notifications": EXPECTED["notifications"],
            "rival followers": EXPECTED["followers"]["rival"],
        }
        return observed == wanted

    try:
        wait_for(indexed, what="the AppView indexed the seed", timeout=30)
    except TimeoutError as exc:
        raise TimeoutError(f"{exc}; last seen: {observed}") from None
    return Seeded(accounts, posts, app_password)


def _start(tools: _Tools, servers: _Servers) -> BlueskyNetwork:
    postgres = servers.start_postgres()
    redis = servers.start_redis()
    info = servers.start_network(postgres, redis)
    seeded = _seed(info["pds"])
    return BlueskyNetwork(pds=info["pds"], appview=info["bsky"], plc=info["plc"], seeded=seeded)


@pytest.fixture(scope="session")
def bluesky_network() -> Iterator[BlueskyNetwork]:
    """The running, seeded network (skipped with the reason where the tools are missing)."""
    tools = _find_tools()
    if isinstance(tools, str):
        _unavailable(tools)
        raise AssertionError("unreachable")
    work = Path(tempfile.mkdtemp(prefix="rapport-bluesky-"))
    servers = _Servers(tools, work)
    try:
        network = _start(tools, servers)
    except BaseException as exc:
        servers.stop()
        logs = "\n".join(
            f"--- {name}:\n{_tail(work / name)}" for name in ("network.log", "postgres.log")
        )
        shutil.rmtree(work, ignore_errors=True)
        if isinstance(exc, (RuntimeError, TimeoutError, AtProtocolError)):
            pytest.fail(f"the local Bluesky network did not start: {exc}\n{logs}")
        raise
    try:
        yield network
    finally:
        servers.stop()
        with contextlib.suppress(OSError):
            shutil.rmtree(work)
