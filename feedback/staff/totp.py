"""Time-based one-time passwords (RFC 6238, on HOTP of RFC 4226), with the standard library.

Authenticator apps (Google Authenticator, Microsoft Authenticator, FreeOTP, 1Password…) read the
otpauth:// URI: SHA-1, 6 digits, 30-second steps. A code of the step before or after is also
accepted, for clocks that drift.
"""

import base64
import hashlib
import hmac
import secrets
import struct
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

DIGITS = 6
PERIOD = 30
DRIFT_STEPS = 1
SECRET_BYTES = 20  # 160 bits, as RFC 4226 recommends; 32 base32 characters


def new_secret() -> str:
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii").rstrip("=")


def _key(secret: str) -> bytes:
    cleaned = secret.replace(" ", "").upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def hotp(
    key: bytes, counter: int, digits: int = DIGITS, digest: Callable[..., Any] = hashlib.sha1
) -> str:
    """RFC 4226: the code for one counter value."""
    mac = hmac.new(key, struct.pack(">Q", counter), digest).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


def step(when: float) -> int:
    return int(when // PERIOD)


def code_at(secret: str, when: float) -> str:
    return hotp(_key(secret), step(when))


def matching_step(secret: str, code: str, when: float | None = None) -> int | None:
    """Return the time step whose code this is (now, or one step either side), else None."""
    code = code.replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    key = _key(secret)
    now = step(time.time() if when is None else when)
    found = None
    for candidate in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if hmac.compare_digest(hotp(key, candidate), code):
            found = candidate  # go on comparing, so that every code takes the same time
    return found


def uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth:// address an authenticator app reads, by QR code or pasted."""
    label = quote(f"{issuer}:{account}", safe="")
    query = urlencode(
        {
            "secret": secret,
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": DIGITS,
            "period": PERIOD,
        },
        quote_via=quote,
    )
    return f"otpauth://totp/{label}?{query}"
