"""Language: Chinese first, English a click away; the choice is kept in a cookie."""

from flask import Flask, current_app, has_request_context, request
from flask_babel import get_locale

from feedback.extensions import babel

LANGUAGE_COOKIE = "lang"


def select_locale() -> str:
    """The visitor's choice from the cookie; commands and jobs speak the default language."""
    chosen = request.cookies.get(LANGUAGE_COOKIE) if has_request_context() else None
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
