"""A workspace: a folder holding rapport.toml and the store (rapport.duckdb), and the
sessions that read or write it."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rapport.config import CONFIG_FILE, ENV_VAR, Config, load_config, render_config
from rapport.errors import WorkspaceError
from rapport.store import STORE_FILE, Store
from rapport.store.locking import refuse_if_writing

if TYPE_CHECKING:  # the session brings Ibis and pandas: only commands that read load them
    from rapport.session import Session

__all__ = ["CONFIG_FILE", "ENV_VAR", "Workspace"]


@dataclass(frozen=True)
class Workspace:
    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))

    @classmethod
    def resolve(cls, option: Path | None = None) -> Workspace:
        """``--workspace`` if given, else ``$RAPPORT_WORKSPACE``, else the current folder."""
        if option is not None:
            return cls(Path(option).expanduser())
        env = os.environ.get(ENV_VAR)
        if env:
            return cls(Path(env).expanduser())
        return cls(Path.cwd())

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_FILE

    @property
    def store_path(self) -> Path:
        return self.root / STORE_FILE

    def has_store(self) -> bool:
        return self.store_path.is_file()

    def config(self) -> Config:
        """The validated settings (defaults where rapport.toml is missing)."""
        return load_config(self.config_path)

    def create(self, *, config: Config | None = None, overwrite: bool = False) -> bool:
        """Create the folder and a commented rapport.toml; return False if one existed."""
        if self.root.exists() and not self.root.is_dir():
            raise WorkspaceError(
                self.root,
                problem="is a file, not a folder",
                fix="choose a folder for the workspace",
            )
        self.root.mkdir(parents=True, exist_ok=True)
        if self.config_path.is_dir():  # --force can't replace a folder by a file
            raise WorkspaceError(
                self.config_path,
                problem="is a folder, not a file",
                fix="move the folder away, then run `rapport init` again",
            )
        if self.config_path.exists() and not overwrite:
            return False
        self.config_path.write_text(render_config(config), encoding="utf-8")
        return True

    def check_store(self) -> None:
        """Raise :class:`~rapport.errors.WorkspaceError` unless the workspace holds a store."""
        if self.has_store():
            return
        if not self.root.exists():
            raise WorkspaceError(
                self.root,
                problem="no such workspace folder",
                fix="check the workspace path, or create one with `rapport init`",
            )
        raise WorkspaceError(
            self.root,
            problem="no data in this workspace yet",
            fix="import data first (`rapport import PATH`), or run `rapport demo`",
        )

    def check_no_writer(self) -> None:
        """Raise :class:`~rapport.errors.WorkspaceBusy` ("the store is in use") at once if
        another process is writing to the store: a second writer does not queue."""
        refuse_if_writing(self.store_path)

    def session(
        self,
        *,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        read_only: bool = True,
        snapshot: bool = False,
        create: bool = False,
        wait: float | None = None,
        on_wait: Callable[[str], None] | None = None,
        purpose: str = "a rapport command",
        behind_writer: bool | None = None,
        engine: str = "duckdb",
        spark_master: str = "local[2]",
        on_progress: Callable[[str], None] | None = None,
    ) -> Session:
        """Open a :class:`~rapport.session.Session` on this workspace; use it with ``with``
        (or call ``close()``): it holds the store open until then.

        - ``read_only`` (the default) reads; many readers may work at once. Writing
          (``read_only=False``) is for imports, pulls, erasure and stored results; a writer
          should write in one transaction and close.
        - ``snapshot`` reads a private copy of the store, so that a long-lived session (a
          notebook) blocks no writer; it sees the data as it was when opened.
        - ``create`` (writing only) makes the workspace folder and rapport.toml if missing.
        - While another process holds the store, wait up to ``wait`` seconds (default
          ``$RAPPORT_WAIT_SECONDS`` or 120), telling ``on_wait`` once, then raise
          :class:`~rapport.errors.WorkspaceBusy`. ``purpose`` says what a writer does, for
          the readers that wait on it ("an import").
        - A writer does not wait for another writer: it raises WorkspaceBusy ("the store is
          in use") at once, unless ``behind_writer`` (a short write of a computed result,
          such as a plan, that should not be lost).
        - ``engine="spark"`` computes on Spark (``spark_master``: ``local[N]``,
          ``spark://HOST:PORT`` or ``sc://HOST:PORT``) over the workspace's partitioned
          dataset, written or refreshed from the store first (the store is closed again
          before the session is returned); ``on_progress`` is told when Spark starts.
        """
        from rapport.engines import check_engine
        from rapport.session import Session, snapshot_copy

        if check_engine(engine) == "spark":
            if not read_only:
                raise ValueError("a session on Spark only reads")
            with self.session(since=since, until=until, wait=wait, on_wait=on_wait) as reader:
                return reader.on_spark(master=spark_master, on_progress=on_progress)
        config = self.config()  # a broken rapport.toml is reported before anything is opened
        if create and read_only:
            raise ValueError("create=True needs read_only=False")
        if create:
            self.create()
        else:
            self.check_store()
        options: dict[str, Any] = {"wait": wait, "on_wait": on_wait}
        if snapshot:
            if not read_only:
                raise ValueError("snapshot=True reads a copy: it can't write")
            copy = snapshot_copy(self.store_path, **options)
            store = Store(copy, read_only=True, **options)
            return Session(self, store, config=config, since=since, until=until,
                           snapshot=copy.parent)  # fmt: skip
        store = Store(
            self.store_path,
            read_only=read_only,
            purpose=purpose,
            behind_writer=behind_writer,
            **options,
        )
        return Session(self, store, config=config, since=since, until=until)
