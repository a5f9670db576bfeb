"""Helpers for the security tests: apps with limits or two-factor on, files to attach, codes."""

import io
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from conftest import PASSWORD, IsolatedClient
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from public_helpers import valid_form
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import TestResponse, encode_multipart

from feedback.extensions import db
from feedback.models import User
from feedback.staff import totp, two_factor


@contextmanager
def running(app: Flask) -> Iterator[Flask]:
    """Hold an app context open on an app made by app_factory; its clients serve each request
    in a context of its own, as the `client` fixture's do."""
    app.test_client_class = IsolatedClient
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def enrol(user: User) -> str:
    """Give an account two-factor login at once; return its secret."""
    secret, _codes = two_factor.enrol_now(db.session, user)
    db.session.commit()
    return secret


def code_for(secret: str, steps_ahead: int = 0) -> str:
    return totp.code_at(secret, time.time() + steps_ahead * totp.PERIOD)


def log_in(client: FlaskClient, user: User, code: str = "", **extra: Any) -> TestResponse:
    """POST the login form with the shared test password and an optional second factor."""
    data = {"username": user.username, "password": PASSWORD, "code": code, **extra}
    return client.post("/staff/login", data=data)


def jpeg_with_gps(marker: str = "SECRET-CAMERA") -> bytes:
    """A small JPEG whose EXIF names a camera and holds GPS coordinates."""
    image = Image.new("RGB", (32, 24), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = marker  # Make
    exif[0x0110] = marker + "-MODEL"  # Model
    exif[0x0112] = 6  # Orientation: rotate 90° to show upright
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (30.0, 12.0, 34.5)
    gps[3] = "E"
    gps[4] = (110.0, 40.0, 1.25)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png_with_text(marker: str = "SECRET-AUTHOR") -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", marker)
    info.add_text("Comment", marker + " at home")
    out = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 128, 0, 128)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def pdf(body: bytes = b"") -> bytes:
    return b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n" + body + b"\ntrailer <<>>\n%%EOF\n"


def upload(data: bytes, name: str) -> tuple[io.BytesIO, str]:
    return io.BytesIO(data), name


def stored_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def send_with(client, files, **overrides):
    """Post the form with files, encoded in memory (the test client's own encoding of a large
    body leaves a temporary file open when the server refuses it unread)."""
    fields = MultiDict(valid_form(**overrides))
    for stream, name in files:
        fields.add("attachments", FileStorage(stream, name))
    boundary, body = encode_multipart(fields)
    return client.post(
        "/submit", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def staff_client(app, username):
    client = app.test_client()
    response = client.post("/staff/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client
