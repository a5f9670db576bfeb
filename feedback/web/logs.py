"""Logs that never hold a client's address or browser.

The development server (`flask run`, werkzeug) starts each request line with the client's
address: "127.0.0.1 - - [24/Nov/2026 10:00:00] "GET / HTTP/1.1" 200 -". A filter on werkzeug's
logger replaces the address with "-" before any handler sees the line. Werkzeug does not log the
user agent; the application never logs either. Under gunicorn the access log format is set in
gunicorn.conf.py without %(h)s, %(a)s or forwarded-for headers (see SECURITY.md).
"""

import logging
import re

from flask import Flask

# An address (IPv4, IPv6 or "<local>") at the start of werkzeug's line, before " - - [date]".
CLIENT_ADDRESS = re.compile(r"^\S+ - - \[")


class DropClientAddress(logging.Filter):
    """Rewrite werkzeug's request and error lines so that no client address remains."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = CLIENT_ADDRESS.sub("- - - [", record.msg, count=1)
        return True


def init_app(app: Flask) -> None:
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(f, DropClientAddress) for f in werkzeug.filters):
        werkzeug.addFilter(DropClientAddress())
