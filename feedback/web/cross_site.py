"""Refuse a form sent from another site, on the browser's own word (Sec-Fetch-Site, Origin).

Flask-WTF's token check stays. Its HTTPS check of the Referer does not (WTF_CSRF_SSL_STRICT is
off in config.py): every page says `Referrer-Policy: no-referrer`, so browsers send no Referer
and every form posted over HTTPS was refused. For the same reason a browser's form post carries
`Origin: null`, not the site's origin (Fetch standard, "append a request Origin header"): the
origin alone cannot tell this site's forms from a forged one. What can:

- `Sec-Fetch-Site`, which pages cannot set: a browser says `same-origin` for this site's own
  forms and `cross-site` or `same-site` for another site's;
- an `Origin` that names a real origin, as browsers that ignore the referrer policy send: it
  must be this site's.

A post with `Origin: null` and no `Sec-Fetch-Site` (a browser from before 2023) or with neither
header (a script) is left to the token, which another site cannot read.
"""

from urllib.parse import urlsplit

from flask import Flask, request
from werkzeug.exceptions import Forbidden

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
DEFAULT_PORTS = {"http": 80, "https": 443}
# Sec-Fetch-Site values of a request this site's own page made, or the user by hand.
OWN_FETCHES = frozenset({"same-origin", "none"})


class CrossSiteRequest(Forbidden):
    """A form sent to this site from a page of another."""

    description = "This request came from another site and was refused."


def origin_of(url: str) -> tuple[str, str, int] | None:
    """Scheme, host and port of an origin or a base URL; None for `null` or a malformed one."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme]


def refuse_cross_site() -> None:
    """Refuse an unsafe request that the browser says another site's page made."""
    if request.method in SAFE_METHODS:
        return
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None and fetch_site.strip().lower() not in OWN_FETCHES:
        raise CrossSiteRequest()
    origin = (request.headers.get("Origin") or "null").strip()
    if origin == "null":
        return
    # request.scheme and request.host are what the browser asked for: behind nginx, ProxyFix
    # takes the scheme from X-Forwarded-Proto, and nginx passes the Host header on.
    own = origin_of(f"{request.scheme}://{request.host}")
    if own is None or origin_of(origin) != own:
        raise CrossSiteRequest()


def init_app(app: Flask) -> None:
    """Check the origin before anything reads the form, Flask-WTF's token check included:
    call this before csrf.init_app, so that a forged post is called what it is."""
    app.before_request(refuse_cross_site)
