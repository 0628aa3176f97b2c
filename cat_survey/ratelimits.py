"""Rate limits on starting and answering conversations, per address and per survey.

A survey link is public, so one client could otherwise start thousands of
responses a minute and drown the genuine ones. Each POST that starts a
conversation or records an answer counts one hit against limits keyed by the
action, the survey and the client's address, plus a ceiling per survey for all
addresses together. Flask-Limiter (on the ``limits`` library) keeps the counters
in ``RATELIMIT_STORAGE_URI``, which must be shared by every worker process (the
demo runs Redis on loopback; ``memory://`` is for one process).

The views call :func:`count_conversation_step` themselves, after the request
proved well-formed and just before they store anything: only real work is
counted, and a refused answer re-renders its step with what the customer typed.
All limits are configured in ``cat_survey.config`` (``RATELIMIT_*``).
"""

import logging
import math
import time
from typing import Literal

from flask import Flask, current_app, request
from flask_babel import gettext as _
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse_many
from werkzeug.exceptions import TooManyRequests

Action = Literal["start", "answer"]
#: Where each app keeps its limiter (one per app, so test apps never share counters).
EXTENSION_KEY = "cat_survey_limiter"
#: The settings naming the limits of each action, per address and per survey.
PER_ADDRESS_SETTINGS: dict[Action, str] = {
    "start": "RATELIMIT_CONVERSATION_STARTS",
    "answer": "RATELIMIT_CONVERSATION_ANSWERS",
}
PER_SURVEY_SETTINGS: dict[Action, str] = {"start": "RATELIMIT_SURVEY_STARTS"}

log = logging.getLogger(__name__)


class ConversationRateLimited(TooManyRequests):
    """Too many conversations started or answers given: 429 with Retry-After."""

    def __init__(self, action: Action, retry_after: int) -> None:
        if action == "start":
            message = _(
                "Too many surveys are being started from your network right now. "
                "Please wait %(seconds)d seconds and try again.",
                seconds=retry_after,
            )
        else:
            message = _(
                "Too many answers are arriving from your network right now. "
                "Please wait %(seconds)d seconds and send again: "
                "your answer is still here.",
                seconds=retry_after,
            )
        super().__init__(message, retry_after=retry_after)


def init_rate_limits(app: Flask) -> None:
    """Give the app its own limiter, storing counters where the settings say."""
    # No default limits: the conversation views count the steps they take.
    limiter = Limiter(get_remote_address)
    limiter.init_app(app)
    app.extensions[EXTENSION_KEY] = limiter


def configured_limits(setting: str) -> list[RateLimitItem]:
    """The limits a setting names, such as ``"10 per minute;60 per hour"``."""
    value = current_app.config.get(setting) or ""
    return parse_many(value) if value.strip() else []


def client_address() -> str:
    """The address the limits count: the request's peer (after any ProxyFix)."""
    return request.remote_addr or "unknown"


def count_conversation_step(action: Action, survey_slug: str) -> None:
    """Count one step on a survey; raise ConversationRateLimited over a limit.

    A storage that cannot be reached lets the step through (and logs it): a
    broken counter must not turn away every customer.
    """
    limiter: Limiter = current_app.extensions[EXTENSION_KEY]
    if not limiter.enabled:
        return
    scopes: list[tuple[str, tuple[str, ...]]] = [
        (PER_ADDRESS_SETTINGS[action], (action, survey_slug, client_address())),
    ]
    if action in PER_SURVEY_SETTINGS:
        scopes.append((PER_SURVEY_SETTINGS[action], (action, survey_slug)))
    try:
        for setting, identifiers in scopes:
            for limit in configured_limits(setting):
                if not limiter.limiter.hit(limit, *identifiers):
                    stats = limiter.limiter.get_window_stats(limit, *identifiers)
                    wait = max(1, math.ceil(stats.reset_time - time.time()))
                    raise ConversationRateLimited(action, wait)
    except ConversationRateLimited:
        raise
    except Exception:  # the storage is down: count nothing rather than refuse all
        log.exception("rate-limit storage unavailable; step not counted")
