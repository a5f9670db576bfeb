"""What a request must be before any view reads it: a sound Host, a whole body, named parts.

Each of these once answered 500, or worse, was taken for something it was not:

- a Host that cannot be a host name (a label over 63 characters) left Flask without URLs to
  build, so even the error page failed;
- gunicorn says its request bodies end where they end (`wsgi.input_terminated`), so a body cut
  short of its Content-Length was read as a whole, shorter form (a message cut in the middle
  would have been stored), and a body that stopped arriving held the worker until gunicorn
  killed it;
- a multipart part without a name was dropped silently (an attachment the citizen chose, lost),
  and a malformed body was read as an empty form.

Each now gets the 400 page in the visitor's language, before anything is stored.
"""

import io
import re
import time
from collections.abc import Iterable
from typing import IO, Any

from flask import Flask, Request, request
from werkzeug.exceptions import BadRequest
from werkzeug.formparser import FormDataParser
from werkzeug.wsgi import LimitedStream

# A host name (labels of 1 to 63 letters, digits, hyphens or underscores) or a bracketed IPv6
# address, and an optional port; 253 characters at most for the name, 6 for the port.
LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
HOST = re.compile(rf"(?:(?:{LABEL}\.)*{LABEL}\.?|\[[0-9A-Fa-f:.]+\])(?::[0-9]{{1,5}})?")
HOST_LENGTH = 253 + 6
BAD_HOST = "feedback.bad_host"


class StrictFormParser(FormDataParser):
    """Read a form, refusing a malformed body and parts without a name instead of dropping them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **{**kwargs, "silent": False})

    def parse(
        self,
        stream: IO[bytes],
        mimetype: str,
        content_length: int | None,
        options: dict[str, str] | None = None,
    ) -> tuple[IO[bytes], Any, Any]:
        try:
            stream, form, files = super().parse(stream, mimetype, content_length, options)
        except ValueError as error:  # a missing boundary, a part without headers, bad UTF-8 …
            raise BadRequest() from error
        if any(not name for name in (*form.keys(), *files.keys())):
            raise BadRequest()
        return stream, form, files


class CheckedRequest(Request):
    form_data_parser_class = StrictFormParser


class _Deadline(io.RawIOBase):
    """gunicorn's request body, read against a deadline: past it, the read fails."""

    def __init__(self, stream: IO[bytes], sock: Any, seconds: float) -> None:
        self.stream, self.sock = stream, sock
        self.deadline = time.monotonic() + seconds

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request body arrived too slowly")
        self.sock.settimeout(left)
        data = self.stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class WholeBodies:
    """WSGI middleware: a body must arrive whole, within `seconds`; a sound Host is kept aside.

    Reading past the end of a body shorter than its Content-Length, or past the deadline, raises
    werkzeug's ClientDisconnected (a 400) from LimitedStream.
    """

    def __init__(self, app: Any, seconds: float) -> None:
        self.app, self.seconds = app, seconds

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        host = environ.get("HTTP_HOST")
        if host is not None and not (len(host) <= HOST_LENGTH and HOST.fullmatch(host)):
            # Flask could build no URL with it, not even the error page's: drop it and refuse.
            del environ["HTTP_HOST"]
            environ[BAD_HOST] = True
        length = environ.get("CONTENT_LENGTH", "")
        sock = environ.get("gunicorn.socket")
        if not length.isdigit():
            return self.app(environ, start_response)
        stream = environ["wsgi.input"]
        if sock is not None:
            stream = _Deadline(stream, sock, self.seconds)
        environ["wsgi.input"] = LimitedStream(stream, int(length))
        previous = sock.gettimeout() if sock is not None else None
        try:
            return self.app(environ, start_response)
        finally:
            if sock is not None:
                sock.settimeout(previous)  # the response is written as gunicorn would


def refuse_a_bad_host() -> None:
    if request.environ.get(BAD_HOST):
        raise BadRequest()


def init_app(app: Flask) -> None:
    """Check requests before anything else reads them: call this first of the request hooks."""
    app.request_class = CheckedRequest
    app.wsgi_app = WholeBodies(app.wsgi_app, app.config["REQUEST_BODY_SECONDS"])  # type: ignore[method-assign]
    app.before_request(refuse_a_bad_host)
