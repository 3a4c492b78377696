"""The web workplace (``rapport serve``): a second front door on the library, beside the CLI.

- :mod:`rapport.web.app`: :func:`~rapport.web.app.create_app`, security headers, signing in;
- :mod:`rapport.web.pages`: the workspaces, a workspace's overview, the care inbox, the report;
- :mod:`rapport.web.pages_settings`: a workspace's settings and members, invitations, one's
  password (data in :mod:`rapport.web.members`);
- :mod:`rapport.web.views`: what each page shows, made by the library (nothing computed here);
- :mod:`rapport.web.guard`: who is signed in, what they may do where, the CSRF check;
- :mod:`rapport.web.auth`: argon2 passwords, sessions, login limits, roles;
- :mod:`rapport.web.appdb`: the app's own SQLite file (users, sessions, audit);
- :mod:`rapport.web.served`: the served folder, a lock and a cache per workspace.
"""
