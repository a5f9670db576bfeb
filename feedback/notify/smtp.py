"""The SMTP server MAIL_URL names: smtp://user:password@host:port (add ?starttls to upgrade the
connection with STARTTLS), or smtps://… for TLS from the first byte.

Only the sending command connects; a request never does. Errors are told in a few words that
never include an address (`describe`).
"""

import smtplib
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from feedback.models import OutboxMessage, utcnow


class MailSettingError(ValueError):
    """MAIL_URL or MAIL_FROM cannot be used; the message says what to set."""


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    implicit_tls: bool
    starttls: bool
    username: str
    password: str
    sender: str
    timeout: float


def server(url: str, sender: str, timeout: float) -> Server | None:
    """The server MAIL_URL names; None when mail is off (MAIL_URL unset)."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise MailSettingError(
            "MAIL_URL must look like smtp://user:password@host:587?starttls or "
            "smtps://user:password@host:465."
        )
    if not sender:
        raise MailSettingError("MAIL_FROM is not set: the address messages are sent from.")
    implicit = parts.scheme == "smtps"
    starttls = "starttls" in parse_qs(parts.query, keep_blank_values=True)
    return Server(
        host=parts.hostname,
        port=parts.port or (465 if implicit else 587 if starttls else 25),
        implicit_tls=implicit,
        starttls=starttls and not implicit,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        sender=sender,
        timeout=timeout,
    )


@contextmanager
def connection(server: Server) -> Iterator[smtplib.SMTP]:
    """An open, authenticated SMTP connection, closed when done."""
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if server.implicit_tls:
        smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=server.timeout, context=context)
    else:
        smtp = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
    try:
        if server.starttls:
            smtp.starttls(context=context)
        if server.username:
            smtp.login(server.username, server.password)
        yield smtp
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def message(server: Server, outgoing: OutboxMessage) -> EmailMessage:
    """The mail for an outbox message; a citizen's carries its one-click unsubscribe link."""
    mail = EmailMessage()
    mail["From"] = server.sender
    mail["To"] = outgoing.recipient
    mail["Subject"] = outgoing.subject
    mail["Date"] = format_datetime(utcnow())
    mail["Message-ID"] = make_msgid(domain=server.sender.rpartition("@")[2] or None)
    mail["Auto-Submitted"] = "auto-generated"
    if outgoing.unsubscribe_url:
        mail["List-Unsubscribe"] = f"<{outgoing.unsubscribe_url}>"
    mail.set_content(outgoing.text)
    return mail


def describe(error: BaseException) -> str:
    """Say what went wrong in a few words for the outbox, the admin page and /healthz; never an
    address (the SMTP server's own words may repeat it, so only its code is kept)."""
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return f"authentication refused ({error.smtp_code})"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in error.recipients.values()})
        return "recipient refused (" + ", ".join(str(c) for c in codes) + ")"
    if isinstance(error, smtplib.SMTPSenderRefused):
        return f"sender refused ({error.smtp_code})"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"refused ({error.smtp_code})"
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return "the server closed the connection"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, TimeoutError | socket.timeout):
        return "no answer (timeout)"
    if isinstance(error, ssl.SSLError):
        return "TLS failed"
    if isinstance(error, OSError):
        return f"cannot connect ({error.strerror or type(error).__name__})"
    return type(error).__name__
