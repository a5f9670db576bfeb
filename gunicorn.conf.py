"""gunicorn for `make serve` and production: `gunicorn -c gunicorn.conf.py wsgi:app`.

Each setting can be changed through the environment variable named beside it. The service's own
settings (DATABASE_URL, SECRET_KEY, RATELIMIT_STORAGE_URI, TRUSTED_PROXIES) are read by the app.
"""

import gc
import os
import sys

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# Workers load the app themselves: no connection or lock is shared across a fork.
preload_app = False

# No client address or user agent in the logs (no %(h)s, %(a)s, %({x-forwarded-for}i)s).
accesslog = "-"
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
loglevel = "info"  # at debug, gunicorn logs the client address of a malformed request


def on_starting(server) -> None:  # type: ignore[no-untyped-def]
    """Refuse to start with settings unsafe for this many workers, before any worker boots."""
    os.environ["WEB_CONCURRENCY"] = str(server.cfg.workers)
    from feedback import create_app
    from feedback.config import ConfigurationError

    try:
        create_app()
    except ConfigurationError as error:
        sys.exit(f"feedback: {error}")


def post_worker_init(worker) -> None:  # type: ignore[no-untyped-def]
    """Exempt the loaded app from the garbage collector's full collections, for good.

    A full collection walks every object the worker holds, some 125,000 once the app has served
    a few pages: about 40 ms, every few hundred requests, on whichever request it falls. Frozen
    here, what the app loaded at start-up (modules, models, settings) is no longer walked, and a
    full collection takes about 2 ms (measured with the inbox list at 1M cases).
    """
    gc.collect()
    gc.freeze()
