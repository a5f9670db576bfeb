"""关怀模式 (elder mode): larger text and larger targets on every page, kept in a cookie.

The cookie says only "on"; it identifies no one and is sent to this site alone (SameSite=Lax).
Pages read it to add a class to <html>; the style sheet does the rest, without JavaScript.
"""

from flask import Flask, has_request_context, request

CARE_COOKIE = "care"
CARE_ON = "1"


def is_on() -> bool:
    """Tell whether the visitor chose the elder mode."""
    return has_request_context() and request.cookies.get(CARE_COOKIE) == CARE_ON


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(care_mode=is_on)
