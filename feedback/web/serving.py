"""How the service sits in production: behind a known number of proxies, with health checks.

`/livez` says only that the process answers; `/healthz` (readiness) whether it can take a
submission: 503 only without the database. Without Redis the limits fall back to each worker's
memory, so the service is "degraded", not unavailable. Neither is rate-limited, and neither waits
longer than the timeouts of feedback/storage/timeouts.py.

ProxyFix trusts exactly TRUSTED_PROXIES hops of X-Forwarded-For: with nginx in front that is 1,
and the rate limits then apply to the real client; a client's own forged header changes nothing.
With 0 (the default) the header is ignored altogether.
"""

from flask import Blueprint, Flask, current_app, request
from sqlalchemy import text
from werkzeug.middleware.proxy_fix import ProxyFix

from feedback.extensions import db, limiter
from feedback.notify import outbox

bp = Blueprint("serving", __name__)


@limiter.request_filter
def is_health_check() -> bool:
    """Keep the health checks out of the limiter altogether: never limited, and never the
    request that waits on a hung Redis while the limiter asks whether it is back."""
    return request.endpoint in ("serving.livez", "serving.healthz")


@bp.get("/livez")
def livez() -> dict[str, str]:
    """Say that this process serves requests; asks nothing of the database or Redis."""
    return {"status": "ok"}


@bp.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    """Say whether a submission can be stored now: 200 (ok or degraded) or 503 (unavailable)."""
    database, limits = _database_answers(), _limiter_answers()
    status = "unavailable" if not database else "ok" if limits else "degraded"
    answer = {
        "status": status,
        "database": "ok" if database else "unavailable",
        "limiter": "ok" if limits else "unavailable",
    }
    if database:
        answer.update(_mail())
    return answer, 503 if status == "unavailable" else 200


def _mail() -> dict[str, str]:
    """Mail as the last attempts recorded it ("off", "ok" or "failing"); a submission needs no
    mail, so it changes no status, and the SMTP server is never asked during a request."""
    if not current_app.config["MAIL_URL"]:
        return {"mail": "off"}
    try:
        _at, error = outbox.last_attempt(db.session)
        db.session.rollback()
    except Exception:
        current_app.logger.warning("health check: the outbox cannot be read")
        return {"mail": "unknown"}
    return {"mail": "failing", "mail_error": error} if error else {"mail": "ok"}


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
