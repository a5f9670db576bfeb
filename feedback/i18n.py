"""Language: Chinese first, English a click away; the choice is kept in a cookie."""

from flask import Flask, current_app, has_request_context, request
from flask_babel import get_locale

from feedback import labels
from feedback.extensions import babel
from feedback.models import Body

LANGUAGE_COOKIE = "lang"


def select_locale() -> str:
    """The visitor's choice from the cookie; commands and jobs speak the default language."""
    chosen = request.cookies.get(LANGUAGE_COOKIE) if has_request_context() else None
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def is_english() -> bool:
    locale = get_locale()
    return locale is not None and locale.language == "en"


def body_name(body: Body, short: bool = False) -> str:
    """A body's name in the visitor's language; bodies are named in Chinese in the notice."""
    if is_english():
        return body.name_en
    return body.short_name if short else body.name


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals.update(get_locale=get_locale, body_name=body_name, labels=labels)
