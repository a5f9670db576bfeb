"""Public pages rendered once per catalog stamp, day, language and address, then filled in per visitor.

The home page, a notice's page and the blank form are the same for every visitor until the
catalog changes, save each visitor's tokens: the CSRF token (in every form of the page) and the
form's one-time token. Such a page is rendered as usual the first time, then kept in the
worker's memory already encoded, in pieces cut where the tokens go; the next visitor gets the
pieces joined around their own tokens. The key holds all the page depends on besides: the
catalog's stamp (an edit renders it anew), today's date (a feedback window opens or closes at
midnight), the language, the elder mode, and the address with its query string (the language
and elder-mode links return to it). A visitor with a flashed message gets the page rendered.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from flask import current_app, g, request, session
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf

from feedback.web import care

PAGES = "feedback.page_cache"
# Addresses vary with their query strings: past this many pages, the worker starts again.
MAX_PAGES = 500
CSRF = "csrf_token"  # where Flask-WTF keeps the request's token in `g`
CUT = "\x00"  # no page contains a NUL character: it marks where a visitor's value goes


@dataclass(frozen=True)
class KeptPage:
    """A page as kept: its text already in UTF-8, cut where each visitor's own values go."""

    pieces: tuple[bytes, ...]  # one more than the values
    names: tuple[str, ...]  # the value that goes after each piece but the last

    @classmethod
    def of(cls, html: str, values: Mapping[str, str]) -> "KeptPage":
        for name, value in values.items():
            html = html.replace(value, f"{CUT}{name}{CUT}")
        parts = html.split(CUT)  # text, name, text, …, name, text
        return cls(tuple(text.encode() for text in parts[::2]), tuple(parts[1::2]))

    def filled(self, values: Mapping[str, str]) -> bytes:
        page = [self.pieces[0]]
        for name, piece in zip(self.names, self.pieces[1:], strict=True):
            page += (values[name].encode(), piece)
        return b"".join(page)


def page(
    stamp: str, today: date, render: Callable[..., str], **fresh: Callable[[], str]
) -> str | bytes:
    """The page `render` makes, from memory when this worker has made it already.

    `fresh` makes the visitor's own values (a one-time token, say), passed to `render` by name
    the first time and put in the kept page for every later visitor.
    """
    values = {name: make() for name, make in fresh.items()}
    if "_flashes" in session:
        return render(**values)
    held_stamp, pages = current_app.extensions.get(PAGES, ("", {}))
    if held_stamp != stamp:  # the catalog changed: every page is made anew
        pages = {}
        current_app.extensions[PAGES] = (stamp, pages)
    key = (today, request.full_path, str(get_locale()), care.is_on())
    kept = pages.get(key)
    if kept is None:
        html = render(**values)
        if len(pages) >= MAX_PAGES:
            pages.clear()
        pages[key] = KeptPage.of(html, {**values, CSRF: g.get(CSRF)} if CSRF in g else values)
        return html
    if CSRF in kept.names:
        values[CSRF] = generate_csrf()
    return kept.filled(values)
