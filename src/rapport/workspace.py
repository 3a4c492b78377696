"""A workspace: a folder holding rapport.toml and the store (rapport.duckdb)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from rapport.config import Config, load_config, render_config
from rapport.errors import WorkspaceError
from rapport.store import STORE_FILE, Store

__all__ = ["CONFIG_FILE", "ENV_VAR", "Workspace"]

CONFIG_FILE = "rapport.toml"
ENV_VAR = "RAPPORT_WORKSPACE"


@dataclass(frozen=True)
class Workspace:
    root: Path

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
        if self.config_path.exists() and not overwrite:
            return False
        self.config_path.write_text(render_config(config), encoding="utf-8")
        return True

    def open_store(self, *, create: bool) -> Store:
        """Open the store; with ``create``, make the workspace first when needed."""
        if create:
            self.config()  # a broken rapport.toml is reported before anything is written
            self.create()
        elif not self.has_store():
            if not self.root.exists():
                raise WorkspaceError(
                    self.root,
                    problem="no such workspace folder",
                    fix="check --workspace, or run `rapport init` there",
                )
            raise WorkspaceError(
                self.root,
                problem="no data in this workspace yet",
                fix="run `rapport import PATH` or `rapport demo` first",
            )
        return Store(self.store_path)
