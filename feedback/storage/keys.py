"""Keys for what the database keeps: one per purpose, derived with HKDF from DATA_KEY.

SECRET_KEY signs sessions and CSRF tokens and can be rotated (SECRET_KEY_FALLBACKS, DEPLOY.md).
What is stored must outlive a rotation — tracking-code and recovery-code hashes, sealed
two-factor secrets — so it is keyed from DATA_KEY instead, which is set once and never changed.
DATA_KEY defaults to SECRET_KEY: before it existed, everything was keyed with SECRET_KEY.
"""

import base64
import hashlib
import hmac
import os
from enum import StrEnum

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

# Marks a hash made with an HKDF key; one without it was made before (see `_legacy_hash`).
HASH_PREFIX = "hkdf:"
NONCE_BYTES = 12


class Purpose(StrEnum):
    TRACKING_CODE = "tracking-code"
    RECOVERY_CODE = "recovery-code"
    TWO_FACTOR_SECRET = "two-factor-secret"


def key(purpose: Purpose) -> bytes:
    """The purpose's own 256-bit key: a key that leaks for one purpose says nothing of another."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=f"feedback {purpose}".encode()
    ).derive(_master())


def keyed_hash(purpose: Purpose, text: str) -> str:
    """An HMAC-SHA256 of the text under the purpose's key, marked with HASH_PREFIX."""
    mac = hmac.new(key(purpose), text.encode(), hashlib.sha256).digest()
    return HASH_PREFIX + base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


def hash_matches(purpose: Purpose, text: str, stored: str) -> bool:
    """Compare in constant time with a stored hash, made now or before HKDF keys."""
    if stored.startswith(HASH_PREFIX):
        expected = keyed_hash(purpose, text)
    else:
        expected = _legacy_hash(purpose, text)
    return hmac.compare_digest(expected, stored)


def _legacy_hash(purpose: Purpose, text: str) -> str:
    """How hashes were made until December 2026: HMAC keyed with SHA-256 of purpose and key.

    Tracking codes and recovery codes issued then are checked this way; they cannot be hashed
    anew without the codes, which are not stored.
    """
    legacy_key = hashlib.sha256(f"{purpose}:".encode() + _master()).digest()
    return hmac.new(legacy_key, text.encode(), hashlib.sha256).hexdigest()


def seal(purpose: Purpose, text: str, bound_to: str) -> str:
    """Encrypt and authenticate with AES-256-GCM; `bound_to` (say, the account) must match to open."""
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key(purpose)).encrypt(nonce, text.encode(), bound_to.encode())
    return base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def unseal(purpose: Purpose, sealed: str, bound_to: str) -> str:
    """Open a sealed value; raises cryptography's InvalidTag if it was altered, moved or misread."""
    raw = base64.urlsafe_b64decode(sealed)
    opened = AESGCM(key(purpose)).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], bound_to.encode())
    return opened.decode()


def _master() -> bytes:
    return str(current_app.config["DATA_KEY"]).encode()
