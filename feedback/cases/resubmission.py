"""A message sent twice is stored once, and for a short while its receipt can be shown again.

A citizen reloads the receipt page (the browser posts the form again), goes back and sends it
again, or presses the button twice; each used to store a new case with a new tracking code, and
a citizen whose first answer never arrived lost the code. Now:

- Each rendered form carries a one-time token: 128 random bits in a hidden field, rendered
  again unchanged with the routing preview and with errors. A case records a keyed hash of its
  form's token, unique: the same form posted again finds the case, and two posts racing each
  other are settled by the unique constraint. The server keeps no list of tokens it issued: a
  token names one form, it proves nothing (the CSRF token does that), so any worker takes it.
- Going back to the form re-fetches it (pages are no-store) with a new token, while the browser
  restores what was typed (Chromium does). So a post from the same browser, within KEEP, of the
  same answers as a case it sent is the same message too. The subject and the files are not
  compared: the browser restores neither (the subject has autocomplete=off), and a message
  sent again with its subject typed anew, or without its files, is still the same message.
- The browser's session holds a random key. For KEEP after a submission, kept_receipts holds the
  tracking code sealed with AES-GCM, and a fingerprint of the answers, both under keys derived
  from the browser's key and SECRET_KEY. The database alone holds ciphertext and keyed hashes;
  the cookie (signed, not encrypted: readable by whoever holds it) holds a key to nothing; even
  both together need SECRET_KEY. After KEEP the row is ignored, then deleted by the next
  submission or `flask feedback purge`, and the code is gone for good.
- The same token from another browser, or after KEEP, shows the reference number alone; a post
  without the token (or, for the answers, without the browser's key) learns nothing. Nothing of
  this is logged.
"""

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app, session
from sqlalchemy import CursorResult, delete, insert, select

from feedback.extensions import DbSession
from feedback.models import Case, KeptReceipt

if TYPE_CHECKING:
    from feedback.cases.operations import Submission

KEEP_MINUTES = 30  # how long the browser that sent a message can see its receipt again
KEEP = timedelta(minutes=KEEP_MINUTES)
TOKEN = re.compile(r"[A-Za-z0-9_-]{22}")  # 16 random bytes, base64url without padding
BROWSER_KEY = "receipt_key"  # the session entry holding the browser's key
NONCE_BYTES = 12


def new_form_token() -> str:
    return secrets.token_urlsafe(16)


def is_form_token(text: str) -> bool:
    return TOKEN.fullmatch(text) is not None


def token_hash(token: str) -> str:
    """The keyed hash a case keeps of its form's token."""
    return hmac.new(_server_key(b"form-token:"), token.encode(), hashlib.sha256).hexdigest()


def give_browser_key() -> None:
    """Give this browser its key when it is shown the form, so that two posts of it both carry it."""
    if _browser_key() is None:
        session[BROWSER_KEY] = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


@dataclass(frozen=True)
class Repeat:
    """A case that this post has already stored."""

    case: Case
    code: str | None  # its tracking code, when this browser may see it again


def find_repeat(db: DbSession, submission: "Submission", now: datetime) -> Repeat | None:
    """The case stored from this very form, or from the same answers sent by this browser.

    The look-ups read rows, not cases: nearly every post finds none, and a case is loaded only
    when one is found.
    """
    key = _browser_key()
    rows = db.connection()
    if submission.form_token:
        stored = select(Case.id).where(Case.submission_hash == token_hash(submission.form_token))
        case_id = rows.execute(stored).scalar()
        if case_id is not None:
            case = db.get_one(Case, case_id)
            kept = select(KeptReceipt.sealed).where(
                KeptReceipt.case_id == case_id, KeptReceipt.expires_at > now
            )
            sealed = rows.execute(kept).scalar()
            return Repeat(case, _unseal(sealed, case.reference, key) if sealed and key else None)
    if key is None:
        return None
    same_answers = select(KeptReceipt.case_id, KeptReceipt.sealed).where(
        KeptReceipt.fingerprint == _fingerprint(key, submission), KeptReceipt.expires_at > now
    )
    for case_id, sealed in rows.execute(same_answers):
        case = db.get_one(Case, case_id)
        code = _unseal(sealed, case.reference, key)
        if code is not None:
            return Repeat(case, code)
    return None


def keep(db: DbSession, case: Case, code: str, submission: "Submission", now: datetime) -> None:
    """Keep the new case's code sealed for KEEP, for this browser only; forget expired ones.

    A browser that was never shown the form (a script) has no key: nothing is kept for it, and
    the receipt sets no cookie.
    """
    forget_expired(db, now)
    key = _browser_key()
    if key is None:
        return
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(_derive(key, b"seal")).encrypt(nonce, code.encode(), case.reference.encode())
    # A row written as it is, as operations.submit writes the case: no unit of work to flush.
    db.connection().execute(
        insert(KeptReceipt.__table__),
        {
            "case_id": case.id,
            "fingerprint": _fingerprint(key, submission),
            "sealed": nonce + sealed,
            "expires_at": now + KEEP,
        },
    )


def forget_expired(db: DbSession, now: datetime) -> int:
    """Delete the kept receipts whose time is up; return how many."""
    # No caller holds an expired one loaded (find_repeat reads those still kept): none to update.
    deleted = db.execute(
        delete(KeptReceipt).where(KeptReceipt.expires_at <= now),
        execution_options={"synchronize_session": False},
    )
    return cast(CursorResult[Any], deleted).rowcount  # a DELETE's result is a CursorResult


def _server_key(purpose: bytes) -> bytes:
    return hashlib.sha256(purpose + current_app.config["SECRET_KEY"].encode()).digest()


def _browser_key() -> bytes | None:
    text = session.get(BROWSER_KEY)
    if not isinstance(text, str):
        return None
    try:
        key = base64.urlsafe_b64decode(text.encode())
    except (binascii.Error, ValueError):
        return None
    return key if len(key) == 32 else None


def _derive(browser_key: bytes, purpose: bytes) -> bytes:
    """A key for one purpose from the browser's key and SECRET_KEY: neither alone gives it."""
    root = hmac.new(_server_key(b"kept-receipt:"), browser_key, hashlib.sha256).digest()
    return hmac.new(root, purpose, hashlib.sha256).digest()


def _fingerprint(browser_key: bytes, submission: "Submission") -> str:
    """A keyed hash of the answers but the subject and files, which going back does not keep."""
    answers = {
        "notice": submission.notice.id if submission.notice else None,
        "item": submission.item.id if submission.item else None,
        "kind": submission.kind.value,
        "body": submission.chosen_body,
        "content": submission.content,
        "contact": vars(submission.contact) if submission.contact else None,
    }
    text = json.dumps(answers, ensure_ascii=False, sort_keys=True)
    return hmac.new(_derive(browser_key, b"fingerprint"), text.encode(), hashlib.sha256).hexdigest()


def _unseal(sealed: bytes, reference: str, browser_key: bytes) -> str | None:
    """The kept code, or None if this browser's key is not the one it was sealed for."""
    nonce, ciphertext = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
    try:
        code = AESGCM(_derive(browser_key, b"seal")).decrypt(nonce, ciphertext, reference.encode())
    except InvalidTag:
        return None
    return code.decode()
