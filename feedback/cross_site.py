"""Refuse a form sent from another site, on the browser's own word (Origin, Sec-Fetch-Site).

Flask-WTF's token check stays. Its HTTPS check of the Referer does not: every page says
`Referrer-Policy: no-referrer`, so browsers send no Referer, and every form posted over HTTPS was
refused (WTF_CSRF_SSL_STRICT is off in config.py). Browsers do send `Origin` with a form's POST,
and `Sec-Fetch-Site`; what another site makes a browser post carries that site's origin, or
`null` from a sandboxed frame or a redirect. A request with neither header (an old browser, a
script) still needs the page's token.
"""

from urllib.parse import urlsplit

from flask import Flask, request
from werkzeug.exceptions import Forbidden

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
DEFAULT_PORTS = {"http": 80, "https": 443}


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
    if request.headers.get("Sec-Fetch-Site", "").strip().lower() == "cross-site":
        raise CrossSiteRequest()
    origin = request.headers.get("Origin")
    if origin is None:
        return
    # request.scheme and request.host are what the client asked for: behind nginx, ProxyFix
    # takes the scheme from X-Forwarded-Proto, and nginx passes the Host header on.
    own = origin_of(f"{request.scheme}://{request.host}")
    if own is None or origin_of(origin.strip()) != own:
        raise CrossSiteRequest()


def init_app(app: Flask) -> None:
    """Check the origin before anything else reads the form, Flask-WTF's token check included:
    call this before csrf.init_app, so that a forged post is called what it is."""
    app.before_request(refuse_cross_site)
