"""Public pages rendered once per catalog stamp, day, language and address, then filled in per visitor.

The home page, a notice's page and the blank form are the same for every visitor until the
catalog changes, save each visitor's tokens: the CSRF token (in every form of the page) and the
form's one-time token. Such a page is rendered as usual the first time; its tokens are then
replaced by placeholders and the page is kept in the worker's memory, and the next visitor gets
it back with their own tokens put in. The key holds all the page depends on besides: the
catalog's stamp (an edit renders it anew), today's date (a feedback window opens or closes at
midnight), the language, the elder mode, and the address with its query string (the language
and elder-mode links return to it). A visitor with a flashed message gets the page rendered.
"""

from collections.abc import Callable
from datetime import date

from flask import current_app, g, request, session
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf

from feedback.web import care

PAGES = "feedback.page_cache"
# Addresses vary with their query strings: past this many pages, the worker starts again.
MAX_PAGES = 500
CSRF = "csrf_token"  # where Flask-WTF keeps the request's token in `g`


def _placeholder(name: str) -> str:
    return f"\x00{name}\x00"  # no page contains a NUL character


def page(stamp: str, today: date, render: Callable[..., str], **fresh: Callable[[], str]) -> str:
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
        kept = html
        if CSRF in g:
            kept = kept.replace(g.get(CSRF), _placeholder(CSRF))
        for name, value in values.items():
            kept = kept.replace(value, _placeholder(name))
        if len(pages) >= MAX_PAGES:
            pages.clear()
        pages[key] = kept
        return html
    if _placeholder(CSRF) in kept:
        kept = kept.replace(_placeholder(CSRF), generate_csrf())
    for name, value in values.items():
        kept = kept.replace(_placeholder(name), value)
    return kept
