"""Error pages in the visitor's language; the 429 page names the other ways in."""

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from feedback.extensions import db
from feedback.models import Body


def render_error(error: HTTPException) -> tuple[str, int]:
    code = error.code or 500
    bodies = (
        db.session.execute(select(Body).order_by(Body.id)).scalars().all() if code == 429 else []
    )
    return render_template("errors/error.html", code=code, bodies=bodies), code


def render_csrf_error(error: CSRFError) -> tuple[str, int]:
    return render_template("errors/error.html", code=400, csrf=True, bodies=[]), 400


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, render_csrf_error)
    app.register_error_handler(HTTPException, render_error)
