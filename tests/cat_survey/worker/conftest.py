"""Fixtures of the worker tests: a real SMTP server on loopback and outbox rows."""

import asyncio
import email
import email.policy
from collections.abc import Callable, Iterator

import pytest
from aiosmtpd.controller import Controller

from cat_survey.db import db
from cat_survey.loopback import free_port
from cat_survey.models import Notification, utcnow


class SlowCollectingHandler:
    """An aiosmtpd handler that keeps every message, taking a moment over each.

    The pause keeps a worker busy sending long enough for a second worker to
    start meanwhile, so the two really overlap.
    """

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        await asyncio.sleep(self.delay)
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 Message accepted"


@pytest.fixture
def smtp_server() -> Iterator[SlowCollectingHandler]:
    """A real SMTP server on 127.0.0.1; ``.port`` and ``.messages`` on its handler."""
    handler = SlowCollectingHandler(delay=0.05)
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port
    yield handler
    controller.stop()


@pytest.fixture
def queue_emails(app_ctx) -> Callable[[int], list[str]]:
    """Put n due e-mails in the outbox; return their recipients."""

    def queue(n: int) -> list[str]:
        recipients = [f"advocate{i}@example.com" for i in range(n)]
        db.session.add_all(
            Notification(
                channel="email",
                recipient=recipient,
                subject=f"Notice {i}",
                body="A theme needs you.",
                next_attempt_at=utcnow(),
            )
            for i, recipient in enumerate(recipients)
        )
        db.session.commit()
        return recipients

    return queue
