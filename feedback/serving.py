"""How the service sits in production: behind a known number of proxies, with a health check.

ProxyFix trusts exactly TRUSTED_PROXIES hops of X-Forwarded-For: with nginx in front that is 1,
and the rate limits then apply to the real client; a client's own forged header changes nothing.
With 0 (the default) the header is ignored altogether.
"""

from flask import Blueprint, Flask, current_app
from sqlalchemy import text
from werkzeug.middleware.proxy_fix import ProxyFix

from feedback.extensions import db, limiter

bp = Blueprint("serving", __name__)


@bp.get("/healthz")
@limiter.exempt
def healthz() -> tuple[dict[str, str], int]:
    """Say whether the database and the rate-limit storage answer; 503 if either does not."""
    checks = {"database": _database_answers(), "limiter": _limiter_answers()}
    healthy = all(checks.values())
    return {name: "ok" if ok else "unavailable" for name, ok in checks.items()}, (
        200 if healthy else 503
    )


def _database_answers() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except Exception:
        current_app.logger.warning("health check: the database does not answer")
        return False
    return True


def _limiter_answers() -> bool:
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return True  # no limits, so no storage to ask
    if not limiter.storage.check():
        current_app.logger.warning("health check: the rate-limit storage does not answer")
        return False
    return True


def init_app(app: Flask) -> None:
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    app.register_blueprint(bp)
