"""``rapport serve`` (the web workplace over a folder of workspaces) and ``rapport user add``.

The web modules are imported inside the commands, so that ``rapport --help`` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from rapport.cli.app import app, user_app
from rapport.cli.command import _errors, err, out
from rapport.errors import UsageError

__all__ = ["serve", "user_add"]

RootOption = Annotated[
    Path,
    typer.Option(
        "--root",
        help="The folder whose workspaces are served (each a folder with a rapport.toml); the "
        "web app keeps its users and sessions in rapport-web.sqlite there.",
    ),
]
DebugOption = Annotated[bool, typer.Option("--debug", help="Show the full traceback on errors.")]


@app.command("serve")
def serve(
    root: RootOption = Path(),
    host: Annotated[
        str,
        typer.Option(
            help="Address to listen on. The default serves this machine only; behind a reverse "
            "proxy keep it, and let the proxy face the network (see the README)."
        ),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    debug: DebugOption = False,
) -> None:
    """Start the web workplace: the workspaces under --root, for the people you add.

    On the first start with no user it prints a one-time link that creates the owner
    account. Stop it with Ctrl+C.
    """
    with _errors(as_json=False, debug=debug):
        import uvicorn

        from rapport.web.app import create_app
        from rapport.web.auth import new_token

        if not root.is_dir():
            raise UsageError(f"{root}: no such folder to serve", option="root")
        web = create_app(root)
        db = web.state.db
        names = web.state.served.names()
        shown = "localhost" if host in ("127.0.0.1", "::1") else host
        out.print(f"rapport serves {len(names):,} workspace(s) from {root.resolve()}: "
                  f"{', '.join(names) or 'none yet'}")  # fmt: skip
        if db.user_count() == 0:
            token = new_token()
            db.add_setup_token(token)
            out.print("No user yet. Create the owner account (this link works once):")
            out.print(f"  http://{shown}:{port}/setup?token={token}", soft_wrap=True)
        else:
            out.print(f"Open http://{shown}:{port}/ and log in. Ctrl+C stops it.")
        uvicorn.run(web, host=host, port=port, log_level="warning", access_log=False)


@user_app.command("add")
def user_add(
    email: Annotated[str, typer.Argument(help="The person's email (their login).")],
    role: Annotated[
        str, typer.Option(help="Their role in the workspace: owner, manager, analyst or client.")
    ],
    workspace: Annotated[
        str, typer.Option("--workspace", help="The workspace's folder name under --root.")
    ],
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the password from standard input (for scripts) instead of asking.",
        ),
    ] = False,
    root: RootOption = Path(),
    debug: DebugOption = False,
) -> None:
    """Add a person to a workspace with a role (creating their login if it is new)."""
    with _errors(as_json=False, debug=debug):
        from rapport.web.appdb import ROLES, AppDB
        from rapport.web.auth import hash_password
        from rapport.web.served import Served

        if role not in ROLES:
            raise UsageError(f"role {role!r}: expected one of {', '.join(ROLES)}", option="role")
        if Served(root).workspace(workspace) is None:
            raise UsageError(
                f"{workspace!r} is not a workspace under {root.resolve()} (a folder with a "
                "rapport.toml)",
                option="workspace",
            )
        db = AppDB(root)
        found = db.user_by_email(email)
        if found is None:
            if password_stdin:
                password = sys.stdin.readline().rstrip("\r\n")
            else:
                password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
            user = db.add_user(email, hash_password(password), is_admin=db.user_count() == 0)
            created = True
        else:
            user, created = found[0], False
        db.grant(user.user_id, workspace, role)
        db.audit(user_id=None, workspace=workspace, action="member added",
                 detail=f"{user.email} as {role} (rapport user add)")  # fmt: skip
        verb = "Created" if created else "Updated"
        err.print(f"{verb} {user.email}: {role} of {workspace}.")
