"""Privacy and security wiring: logs without client addresses, session cookies, idle timeout.

See SECURITY.md for the whole picture: headers (feedback.headers), the audit log
(feedback.audit), two-factor login (feedback.two_factor), attachments (feedback.attachments)
and retention (feedback.retention).
"""

from flask import Flask

from feedback import logs
from feedback.auth import session


def init_app(app: Flask) -> None:
    logs.init_app(app)
    session.init_app(app)
