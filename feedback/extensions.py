"""Flask extensions, created unbound and attached to the app in create_app."""

import logging
from typing import TypeAlias

from flask import request
from flask.logging import default_handler
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from flask_wtf import CSRFProtect
from sqlalchemy.orm import Session, scoped_session

from feedback.models.base import Base
from feedback.storage.timeouts import SharedLimiter


def client_address() -> str:
    """Key rate limits by the client address; it lives only in the limiter's storage."""
    return request.remote_addr or "unknown"


# Loaded objects stay readable after a commit: views render what they have just stored.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
# What functions working in their caller's transaction take: `db.session` (a scoped_session,
# which proxies the current context's Session) or a Session of their own (the CLI's, a test's).
DbSession: TypeAlias = Session | scoped_session[FlaskSession]
migrate = Migrate()
csrf = CSRFProtect()
limiter = SharedLimiter(key_func=client_address)
# flask-limiter logs the key (the client address) of every breach at INFO: keep that out of the
# logs. Its warnings (storage unreachable, falling back to memory) go to the service's log.
limiter_log = logging.getLogger("flask-limiter")
limiter_log.setLevel(logging.WARNING)
limiter_log.addHandler(default_handler)
login_manager = LoginManager()
babel = Babel()
