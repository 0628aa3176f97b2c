"""Fixtures of the campaign tests: a real SMTP server on loopback and customer CSVs.

The server is aiosmtpd on 127.0.0.1; it keeps every message it accepts, parsed, and
refuses the recipients a test names (as a mail server refuses an unknown mailbox).
"""

import email
import email.policy
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from flask import Flask

from cat_survey.db import db
from cat_survey.domain.campaigns import send_due_campaign_mail
from cat_survey.loopback import free_port
from cat_survey.models import Survey
from cat_survey.notifications import send_due

BASE_URL = "https://surveys.example"
SENDER = "cat@surveys.example"
THREE_CUSTOMERS = (
    "ref,email,name,locale,timezone,segment\n"
    "C-1,ana@example.com,Ana,en,Europe/London,enterprise\n"
    "C-2,bo@example.com,Bo,en,,smb\n"
    "C-3,chika@example.jp,Chika,ja,Asia/Tokyo,smb\n"
)


class MailSink:
    """An aiosmtpd handler that keeps every message and refuses some recipients."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.refused: set[str] = set()
        self.port = 0

    async def handle_RCPT(self, server, session, envelope, address, options) -> str:
        if address in self.refused:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(
            envelope.content, policy=email.policy.default
        )
        self.messages.append(message)
        return "250 Message accepted"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        """The messages received for one address."""
        return [message for message in self.messages if message["To"] == address]


@pytest.fixture
def smtp_server() -> Iterator[MailSink]:
    """A real SMTP server on loopback."""
    sink = MailSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    sink.port = controller.port
    yield sink
    controller.stop()


@pytest.fixture
def mail_app(app: Flask, smtp_server: MailSink) -> Flask:
    """The app, sending mail to the loopback server, with a public base URL."""
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
        MAIL_SENDER=SENDER,
        BASE_URL=BASE_URL,
    )
    return app


@pytest.fixture
def customers_csv(tmp_path: Path) -> Callable[..., Path]:
    """Return a factory that writes a customer CSV and gives its path."""

    def write(text: str = THREE_CUSTOMERS, name: str = "customers.csv") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def nps_survey(app_ctx: None, make_survey: Callable[..., str]) -> Survey:
    """relationship-nps, loaded: its first question is an NPS scale."""
    slug = make_survey("relationship-nps")
    return db.session.scalar(db.select(Survey).filter_by(slug=slug))


@pytest.fixture
def deliver(mail_app: Flask) -> Callable[[datetime], None]:
    """Return ``deliver(now)``: what the worker does each minute, at ``now``."""

    def run(now: datetime) -> None:
        send_due_campaign_mail(now=now)
        report = send_due(now=now)
        assert report.failed == 0 or report.errors, report

    return run
