"""Spark for the tests: one local[2] session for the whole run, and a Spark Connect server.

Tests that need Spark are marked ``spark`` and take the ``spark`` fixture (import
``spark_fixture`` from here: the fixture is named ``spark``). Without pyspark or Java the
fixture skips with the reason; ``RAPPORT_REQUIRE_SPARK=1`` (set by ``.ci/run``) turns the
skip into a failure.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

REQUIRE = "RAPPORT_REQUIRE_SPARK"


def missing_spark() -> str | None:
    """Why Spark can't run here (None: it can)."""
    for module in ("pyspark", "ibis.backends.pyspark"):
        if importlib.util.find_spec(module.split(".")[0]) is None:
            return f"{module} is not installed (pip install 'rapport[spark]'); .ci/run installs it"
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "Java is not installed (apt install openjdk-17-jre-headless); .ci/run installs it"
    return None


def _skip_or_fail(reason: str) -> None:
    if os.environ.get(REQUIRE) == "1":
        pytest.fail(f"{reason} ({REQUIRE}=1 makes this a failure)")
    pytest.skip(reason)


@pytest.fixture(scope="session", name="spark")
def spark_fixture() -> Iterator[Any]:
    """The test run's Spark session (local[2], rapport's settings), started once."""
    reason = missing_spark()
    if reason is not None:
        _skip_or_fail(reason)
    from rapport.engines.spark import spark_session, stop_spark

    session = spark_session(master="local[2]")
    yield session
    stop_spark()


_SERVER = r"""
import os, sys
from pyspark.sql import SparkSession
port = sys.argv[1]
session = (
    SparkSession.builder.master("local[2]").appName("rapport-connect-test")
    .config("spark.plugins", "org.apache.spark.sql.connect.SparkConnectPlugin")
    .config("spark.connect.grpc.binding.address", "127.0.0.1")
    .config("spark.connect.grpc.binding.port", port)
    .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
    .config("spark.sql.shuffle.partitions", "8")
    .getOrCreate()
)
print("ready", flush=True)
sys.stdin.read()  # until the test closes our stdin
session.stop()
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def connect_server(*, timeout: float = 300.0) -> Iterator[str]:
    """A Spark Connect server on loopback (the plugin that ships in pyspark, in a JVM of
    its own); yields its ``sc://127.0.0.1:PORT`` address."""
    port = _free_port()
    env = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1"}
    server = subprocess.Popen(
        [sys.executable, "-c", _SERVER, str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        started = time.monotonic()
        assert server.stdout is not None
        line = server.stdout.readline().strip()
        if line != "ready":
            pytest.fail(f"the Spark Connect server did not start (exit {server.poll()})")
        while time.monotonic() - started < timeout:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.5)
        yield f"sc://127.0.0.1:{port}"
    finally:
        assert server.stdin is not None
        server.stdin.close()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)
