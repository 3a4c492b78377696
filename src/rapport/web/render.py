"""Pages from templates: every page gets the signed-in user, their CSRF token and the
version; user text is escaped (autoescape on every template)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from rapport._version import __version__
from rapport.web.guard import CSRF_HEADER, current

__all__ = ["render", "web_link"]

_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("rapport", "web/templates"),
    autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,  # the templates are the package's: no need to check them each time
)


def web_link(url: str | None) -> str | None:
    """A link from imported data, only when it is an http(s) address (never ``javascript:``
    or ``data:``)."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


_TEMPLATES.filters["web_link"] = web_link


def render(request: Request, template: str, *, status: int = 200, **values: Any) -> HTMLResponse:
    """A page: the template with the signed-in user, their CSRF token and ``values``."""
    session = current(request)
    page = _TEMPLATES.get_template(template).render(
        user=session.user if session else None,
        csrf=session.csrf if session else "",
        csrf_header=CSRF_HEADER,
        version=__version__,
        path=request.url.path,
        **values,
    )
    return HTMLResponse(page, status_code=status, headers={"Cache-Control": "no-store"})
