"""Send what the outbox holds: claim, send, record — never twice, whoever runs at the same time.

A runner claims a batch in a transaction of its own: on PostgreSQL it selects the due messages
FOR UPDATE SKIP LOCKED, so a second runner takes others; on SQLite the command's transaction
takes the write lock up front, so a second runner waits and finds them claimed. The claim (a
random token, and a time after which a crashed runner's claim lapses) is committed before
anything is sent. Each message's outcome is then committed alone: sent (with an audit entry
saying who was told what), or tried again later, at growing intervals, until it is given up.
"""

import contextlib
import secrets
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update

from feedback.extensions import DbSession
from feedback.models import (
    Audience,
    AuditAction,
    Body,
    Case,
    OutboxMessage,
    User,
    utcnow,
)
from feedback.notify import smtp
from feedback.staff import audit

# Minutes to wait before each retry; after the last, the message is given up.
BACKOFF_MINUTES = (1, 5, 15, 60, 180, 720)
KEEP_DAYS = 30  # a message sent or given up is deleted after this, with its address
CLAIM_MINUTES = 15  # a claim not settled by then (a runner that died) lapses
BATCH = 200


@dataclass
class Run:
    sent: int = 0
    failed: int = 0  # tried, to be tried again
    given_up: int = 0


def waiting(now: datetime) -> object:
    """The condition of a message that is due and unclaimed (or whose claim lapsed)."""
    return (
        OutboxMessage.sent_at.is_(None)
        & OutboxMessage.failed_at.is_(None)
        & (OutboxMessage.due_at <= now)
        & (OutboxMessage.claimed_until.is_(None) | (OutboxMessage.claimed_until < now))
    )


def claim(session: DbSession, now: datetime, limit: int | None = None) -> list[OutboxMessage]:
    """Claim up to `limit` (BATCH) due messages for this runner and commit the claim."""
    limit = limit or BATCH
    token = secrets.token_hex(16)
    due = waiting(now)
    ids = (
        session.execute(
            select(OutboxMessage.id)
            .where(due)  # type: ignore[arg-type]
            .order_by(OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        .scalars()
        .all()
    )
    if ids:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), due)  # type: ignore[arg-type]
            .values(claim=token, claimed_until=now + timedelta(minutes=CLAIM_MINUTES))
            .execution_options(synchronize_session=False)
        )
    session.commit()
    query = select(OutboxMessage).where(OutboxMessage.claim == token).order_by(OutboxMessage.id)
    # The claim was written around the session's objects: read them afresh.
    return list(session.execute(query.execution_options(populate_existing=True)).scalars())


def send_due(session: DbSession, server: smtp.Server, now: datetime | None = None) -> Run:
    """Send every due message through the server, one claimed batch after another."""
    run = Run()
    now = now or utcnow()
    while batch := claim(session, now):
        _send_batch(session, server, batch, run, now)
        if len(batch) < BATCH:
            break
    return run


def _send_batch(
    session: DbSession,
    server: smtp.Server,
    batch: Sequence[OutboxMessage],
    run: Run,
    now: datetime,
) -> None:
    settled: set[int] = set()
    try:
        with smtp.connection(server) as connection:
            for outgoing in batch:
                try:
                    connection.send_message(smtp.message(server, outgoing))
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as error:
                    _failed(session, outgoing, smtp.describe(error), run, now)
                    _reset(connection)
                else:
                    _sent(session, outgoing, run)
                settled.add(outgoing.id)
    except (smtplib.SMTPException, OSError) as error:
        # The connection failed (refused, wrong password, gone): what was not sent is retried.
        reason = smtp.describe(error)
        for outgoing in batch:
            if outgoing.id not in settled:
                _failed(session, outgoing, reason, run, now)


def _reset(connection: smtplib.SMTP) -> None:
    with contextlib.suppress(smtplib.SMTPException):
        connection.rset()


def _sent(session: DbSession, outgoing: OutboxMessage, run: Run) -> None:
    now = utcnow()
    outgoing.attempts += 1
    outgoing.last_attempt_at = now
    outgoing.last_error = ""
    outgoing.sent_at = now
    outgoing.claim = None
    outgoing.claimed_until = None
    audit.record(
        session,
        None,
        AuditAction.NOTIFIED,
        case=session.get(Case, outgoing.case_id) if outgoing.case_id is not None else None,
        body=session.get(Body, outgoing.body_id) if outgoing.body_id is not None else None,
        detail=_who_and_what(session, outgoing),
    )
    session.commit()
    run.sent += 1
    current_app.logger.info("message %s sent (%s)", outgoing.id, outgoing.what)


def _failed(
    session: DbSession, outgoing: OutboxMessage, reason: str, run: Run, now: datetime
) -> None:
    """Count the attempt, and wait longer before each retry (from `now`, the run's time)."""
    outgoing.attempts += 1
    outgoing.last_attempt_at = utcnow()
    outgoing.last_error = reason[:200]
    outgoing.claim = None
    outgoing.claimed_until = None
    if outgoing.attempts > len(BACKOFF_MINUTES):
        outgoing.failed_at = now
        run.given_up += 1
    else:
        outgoing.due_at = now + timedelta(minutes=BACKOFF_MINUTES[outgoing.attempts - 1])
        run.failed += 1
    session.commit()
    current_app.logger.warning(
        "message %s not sent, attempt %s: %s", outgoing.id, outgoing.attempts, reason
    )


def _who_and_what(session: DbSession, outgoing: OutboxMessage) -> str:
    """Who was told what, for the audit log: an account by its name, a citizen as such."""
    if outgoing.audience is Audience.CITIZEN:
        who = "citizen"
    else:
        account = session.get(User, outgoing.account_id) if outgoing.account_id else None
        who = account.username if account is not None else "account"
    return f"{who}: {outgoing.what} {outgoing.reference}".strip()


def forget_old(session: DbSession, now: datetime) -> int:
    """Delete the messages sent or given up more than KEEP_DAYS ago, and with them their
    addresses (the audit log keeps who was told what); return how many. The caller commits."""
    before = now - timedelta(days=KEEP_DAYS)
    done = OutboxMessage.sent_at.is_not(None) & (OutboxMessage.sent_at < before)
    dropped = OutboxMessage.failed_at.is_not(None) & (OutboxMessage.failed_at < before)
    result = session.execute(delete(OutboxMessage).where(done | dropped))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class MailStatus:
    """What the admin page and /healthz say of mail, from the attempts recorded."""

    configured: bool
    waiting: int
    given_up: int
    last_attempt_at: datetime | None
    last_error: str

    @property
    def failing(self) -> bool:
        return bool(self.last_error)


def last_attempt(session: DbSession) -> tuple[datetime | None, str]:
    """When the last attempt to send was, and its error ("" if it went out): one index lookup."""
    last = session.execute(
        select(OutboxMessage.last_attempt_at, OutboxMessage.last_error)
        .where(OutboxMessage.last_attempt_at.is_not(None))
        .order_by(OutboxMessage.last_attempt_at.desc())
        .limit(1)
    ).first()
    return (last[0], last[1]) if last else (None, "")


def status(session: DbSession, configured: bool) -> MailStatus:
    """Read the outbox's state and its last attempt; never connects to the SMTP server."""
    unsent = OutboxMessage.sent_at.is_(None)  # the leading column of ix_outbox_waiting
    waiting_count = session.execute(
        select(func.count()).where(unsent, OutboxMessage.failed_at.is_(None))
    ).scalar_one()
    given_up = session.execute(
        select(func.count()).where(unsent, OutboxMessage.failed_at.is_not(None))
    ).scalar_one()
    at, error = last_attempt(session)
    return MailStatus(
        configured=configured,
        waiting=waiting_count,
        given_up=given_up,
        last_attempt_at=at,
        last_error=error,
    )
