"""Language: Chinese first, English a click away; the choice is kept in a cookie."""

import math
import re
from datetime import timedelta
from typing import Any, Protocol

from babel.support import NullTranslations
from flask import Flask, current_app, has_request_context, request
from flask_babel import format_timedelta, get_locale, get_translations
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from feedback.extensions import babel
from feedback.web import labels

LANGUAGE_COOKIE = "lang"
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

# The visitor's translations, looked up once per page and kept in the page's context: Flask-Babel's
# own template functions look them up again for every string.
PAGE_TRANSLATIONS = "page_translations"


def select_locale() -> str:
    """The visitor's choice from the cookie; commands and jobs speak the default language."""
    chosen = request.cookies.get(LANGUAGE_COOKIE) if has_request_context() else None
    if chosen is not None and chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def is_english() -> bool:
    locale = get_locale()
    return locale is not None and locale.language == "en"


class NamedBody(Protocol):
    """A receiving body as pages name it: a stored row or the public catalog's snapshot."""

    @property
    def name(self) -> str: ...
    @property
    def short_name(self) -> str: ...
    @property
    def name_en(self) -> str: ...


def body_name(body: NamedBody, short: bool = False, marked: bool = True) -> str:
    """A body's name in the visitor's language; bodies are named in Chinese in the notice.

    A body imported from a notice has no English name until an administrator gives one: on an
    English page its Chinese name is then marked as Chinese (unless `marked` is off, for an
    <option>, which holds text only).
    """
    if not is_english():
        return body.short_name if short else body.name
    if marked and CJK.search(body.name_en):
        return Markup('<span lang="zh-CN">{}</span>').format(body.name_en)
    return body.name_en


def waiting_time(seconds: int) -> str:
    """How long to wait, rounded up, in the visitor's language: 59 分钟, 90 分钟, 2 小时, 24 小时."""
    minutes = math.ceil(seconds / 60)
    if minutes > 90:
        minutes = math.ceil(minutes / 60) * 60
    return format_timedelta(timedelta(minutes=minutes), granularity="minute", threshold=2)


def page_translations() -> dict[str, Any]:
    return {PAGE_TRANSLATIONS: get_translations()}


def _translations(context: Context) -> NullTranslations:
    """The page's translations; a macro imported without the page's context looks them up."""
    translations = context.get(PAGE_TRANSLATIONS)
    return get_translations() if translations is None else translations


@pass_context
def _gettext(context: Context, string: str) -> str:
    return _translations(context).ugettext(string)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return _translations(context).ungettext(singular, plural, n)


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.context_processor(page_translations)
    # A method the i18n extension (added by Flask-Babel) gives the environment: not in its type.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_gettext, ngettext=_ngettext, newstyle=True
    )
    app.jinja_env.globals.update(get_locale=get_locale, body_name=body_name, labels=labels)
