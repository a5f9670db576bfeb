"""A real SMTP server (aiosmtpd) on a free loopback port: what it receives, read back as mail.

`refuse` lines up answers for the next messages (451, 550…) before it takes them again;
`password` makes it ask for a login, and refuse any other password.
"""

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Mailbox:
    received: list[EmailMessage] = field(default_factory=list)
    refuse: list[int] = field(default_factory=list)
    refused: int = 0
    delay: float = 0.0  # seconds to take over each message, so that two senders overlap
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(self.delay)
        with self.lock:
            if self.refuse:
                code = self.refuse.pop(0)
                self.refused += 1
                return f"{code} not now"
            mail = message_from_bytes(envelope.content, policy=policy.default)
            assert isinstance(mail, EmailMessage)
            self.received.append(mail)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [mail for mail in self.received if mail["To"] == address]


@dataclass
class MailServer:
    port: int
    mailbox: Mailbox

    def url(self, user: str = "", password: str = "") -> str:
        login = f"{user}:{password}@" if user else ""
        return f"smtp://{login}127.0.0.1:{self.port}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def mail_server(user: str = "", password: str = "") -> Iterator[MailServer]:
    """Serve SMTP on a free loopback port until the block ends."""
    mailbox = Mailbox()
    options: dict[str, Any] = {}
    if user:

        def authenticator(
            server: Any, session: Any, envelope: Any, mechanism: str, data: Any
        ) -> AuthResult:
            good = (
                isinstance(data, LoginPassword)
                and data.login.decode() == user
                and data.password.decode() == password
            )
            return AuthResult(success=good, handled=False)

        options = {
            "authenticator": authenticator,
            "auth_required": True,
            "auth_require_tls": False,
        }
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    try:
        yield MailServer(controller.port, mailbox)
    finally:
        controller.stop()
