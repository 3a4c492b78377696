"""A Spark session for the metrics: one per process, started with the settings that matter.

``spark_session(master=...)`` gets or creates it:

- ``local[N]``: Spark inside this process's JVM, N cores;
- ``spark://HOST:PORT``: a standalone cluster (classic PySpark);
- ``sc://HOST:PORT``: a Spark Connect server (``SparkSession.builder.remote``).

The settings (see docs/scale.md and ../shared/docs/stack-notes.md): Arrow on for results
(off by default in Spark 4.0.5, and 4x slower without), the session time zone UTC (the store
keeps UTC instants), a temporary warehouse folder (a leftover ``./spark-warehouse`` makes
table creation fail), no web UI and no console progress bar (it writes ``\\r`` lines into
stderr), few shuffle partitions (8: the data of one business is small for Spark), and
``SPARK_LOCAL_IP=127.0.0.1`` so that a local Spark stays on loopback. pyspark is imported
only here and only when a Spark session is asked for; without it, or without Java, a
:class:`~rapport.errors.UsageError` says how to install them.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rapport.errors import UsageError

__all__ = ["INSTALL_HINT", "check_master", "spark_session", "stop_spark"]

INSTALL_HINT = (
    "install the Spark extra (pip install 'rapport[spark]') and Java 17 "
    "(Debian/Ubuntu: apt install openjdk-17-jre-headless)"
)
SETTINGS = {
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.shuffle.partitions": "8",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.sources.partitionColumnTypeInference.enabled": "false",
}
"""Settings of every rapport Spark session (those a Connect client may set at run time)."""
DRIVER_MEMORY_VAR = "RAPPORT_SPARK_DRIVER_MEMORY"
"""Environment variable for the local driver's memory (default 2g)."""

_MASTER = re.compile(r"^(local(\[(\d+|\*)\])?|spark://[^/\s]+:\d+|sc://[^/\s]+(:\d+)?(/.*)?)$")
_lock = threading.Lock()
_sessions: dict[str, Any] = {}
_warehouse: list[str] = []


def check_master(master: str) -> str:
    """``master`` if rapport can use it, else a UsageError naming the three forms."""
    if not _MASTER.match(master):
        raise UsageError(
            f"Spark master {master!r}: expected local[N], spark://HOST:PORT (a standalone "
            "cluster) or sc://HOST:PORT (Spark Connect)",
            option="spark_master",
        )
    return master


def _import_pyspark() -> Any:
    """The ``pyspark.sql`` module, or a UsageError saying how to install it."""
    try:
        import ibis.backends.pyspark  # noqa: F401  (the extra brings both)
        import pyspark.sql
    except ImportError as exc:
        raise UsageError(
            f"the Spark engine needs pyspark ({exc.name} is missing): {INSTALL_HINT}"
        ) from None
    return pyspark.sql


def _check_java() -> None:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").exists():
        return
    if shutil.which("java") is None:
        raise UsageError(f"the Spark engine needs Java (no `java` on PATH): {INSTALL_HINT}")


def _warehouse_dir() -> str:
    if not _warehouse:
        folder = tempfile.mkdtemp(prefix="rapport-spark-warehouse-")
        _warehouse.append(folder)
        atexit.register(shutil.rmtree, folder, True)
    return _warehouse[0]


def spark_session(
    *, master: str = "local[2]", on_progress: Callable[[str], None] | None = None
) -> Any:
    """The process's Spark session for ``master`` (see the module docstring), created on
    first use; ``on_progress`` is told when Spark is being started (it takes seconds)."""
    check_master(master)
    with _lock:
        found = _sessions.get(master)
        if found is not None and _alive(found):
            return found
        sql = _import_pyspark()
        if on_progress is not None:
            on_progress(f"starting Spark {master} …")
        session = _connect(sql, master) if master.startswith("sc://") else _classic(sql, master)
        _sessions[master] = session
        return session


def _alive(session: Any) -> bool:
    try:
        if hasattr(session, "sparkContext") and not hasattr(session, "client"):
            return session.sparkContext._jsc is not None
        return not session.is_stopped
    except Exception:
        return False


def _classic(sql: Any, master: str) -> Any:
    _check_java()
    local = master.startswith("local")
    if local:  # a cluster's workers must reach the driver: only a local Spark stays on loopback
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    active = sql.SparkSession.getActiveSession()
    if active is not None and active.sparkContext.master != master:
        raise UsageError(
            f"this process already runs Spark on {active.sparkContext.master}; one process "
            f"can't also start {master} (stop the other session first)"
        )
    builder = sql.SparkSession.builder.master(master).appName("rapport")
    builder = builder.config("spark.sql.warehouse.dir", _warehouse_dir())
    builder = builder.config("spark.driver.memory", os.environ.get(DRIVER_MEMORY_VAR, "2g"))
    if local:
        builder = builder.config("spark.driver.host", os.environ["SPARK_LOCAL_IP"])
    for key, value in SETTINGS.items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # a JVM that did not start: Java missing or broken
        if "JAVA_GATEWAY_EXITED" in str(exc) or "Java gateway" in str(exc):
            raise UsageError(f"Spark could not start Java ({exc}): {INSTALL_HINT}") from None
        raise
    for key, value in SETTINGS.items():  # an existing session keeps its own otherwise
        if key.startswith("spark.sql."):
            session.conf.set(key, value)
    session.sparkContext.setLogLevel("ERROR")
    return session


def _connect(sql: Any, master: str) -> Any:
    """A Spark Connect client session (its own, even beside a classic session in this
    process: ``SparkSession.builder.remote`` refuses that, the Connect builder does not)."""
    try:
        from pyspark.sql.connect.session import SparkSession as RemoteSession
    except ImportError as exc:  # grpcio and friends come with pyspark[connect]
        raise UsageError(
            f"Spark Connect needs pyspark[connect] ({exc.name} is missing): {INSTALL_HINT}"
        ) from None
    session = RemoteSession.builder.remote(master).create()
    for key, value in SETTINGS.items():
        if key.startswith("spark.sql."):
            session.conf.set(key, value)
    return session


def stop_spark(*, master: str | None = None) -> None:
    """Stop the Spark sessions this module started (only ``master``'s when given): for
    tests and long-lived servers."""
    with _lock:
        for name in [m for m in _sessions if master is None or m == master]:
            session = _sessions.pop(name)
            try:
                session.stop()
            except Exception:  # already stopped, or its server is gone
                continue
