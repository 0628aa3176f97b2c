"""Signed survey links: identity on a public link that nobody can type or change.

A public link (``/s/<slug>``) takes hidden fields from its query string, so anyone
can claim to be customer C-1001. Identity (a customer reference, a name, an
e-mail) is believed only from an invitation or from a link signed here: the
survey's slug, its hidden fields and an expiry, serialised and signed with an
HMAC-SHA256 keyed by the app's secret key (``itsdangerous``, which Flask ships).
Changing any field, the survey or the expiry breaks the signature.

Responses started from anything else keep their hidden fields for piping and
conditions, but are stored as unverified (``SurveyResponse.identity_verified``):
never shown as a contactable customer, never part of a person's privacy export
or erase.
"""

import hashlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from itsdangerous import BadSignature, URLSafeSerializer

from cat_survey.catalog import definition_of
from cat_survey.domain.flow import gettext_noop
from cat_survey.domain.responses import (
    SurveyNotPublished,
    clean_hidden,
    published_version,
)
from cat_survey.models import Survey

#: Keeps these signatures apart from anything else the secret key signs.
SALT = "cat-survey.signed-survey-link"
#: The query parameter (and API field) that carries a signed link's fields.
PARAMETER = "signed"
#: The status and message a refused link gets, on the page and from the API.
REFUSALS = {
    "invalid": (
        400,
        gettext_noop(
            "This survey link was changed or cut short: please open it exactly "
            "as you received it."
        ),
    ),
    "expired": (410, gettext_noop("This survey link has expired.")),
}


class SignedLinkError(ValueError):
    """A signed link that cannot be trusted; ``reason`` is "invalid" or "expired"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def serializer(secret_key: str | bytes) -> URLSafeSerializer:
    """The serializer of signed links, keyed by the app's secret key."""
    return URLSafeSerializer(
        secret_key, salt=SALT, signer_kwargs={"digest_method": hashlib.sha256}
    )


def sign_link(
    secret_key: str | bytes,
    slug: str,
    hidden: Mapping[str, str],
    *,
    expires_at: datetime,
) -> str:
    """The value of a link's ``signed`` parameter: its fields, survey and expiry."""
    payload = {"s": slug, "h": dict(hidden), "e": int(expires_at.timestamp())}
    return serializer(secret_key).dumps(payload)


def signed_link_url(
    survey: Survey,
    fields: Iterable[str],
    *,
    expires_days: int,
    secret_key: str | bytes,
    base_url: str,
    now: datetime | None = None,
) -> tuple[str, datetime]:
    """A public link to ``survey`` signing ``NAME=VALUE`` fields, and its expiry.

    Each name must be a hidden field the survey declares; values are cleaned as
    stored ones are. Raises SignedLinkError with a message for anything else.
    """
    try:
        definition = definition_of(published_version(survey))
    except SurveyNotPublished as error:
        raise SignedLinkError(str(error)) from None
    hidden = {}
    for field in fields:
        name, equals, value = field.partition("=")
        if not equals or not name:
            raise SignedLinkError(f"--hidden {field!r}: write NAME=VALUE")
        if name not in definition.hidden:
            declared = ", ".join(definition.hidden) or "none"
            raise SignedLinkError(
                f"survey {survey.slug!r} has no hidden field {name!r} "
                f"(it declares: {declared})"
            )
        hidden[name] = value
    expires_at = (now or datetime.now(UTC)) + timedelta(days=expires_days)
    token = sign_link(
        secret_key, survey.slug, clean_hidden(definition, hidden), expires_at=expires_at
    )
    query = urlencode({PARAMETER: token})
    return f"{base_url.rstrip('/')}/s/{survey.slug}?{query}", expires_at


def verify_link(
    secret_key: str | bytes, slug: str, token: str, *, now: datetime | None = None
) -> dict[str, str]:
    """The hidden fields a signed link vouches for; SignedLinkError if none.

    The link must carry a valid signature, be for this survey, and not be expired.
    """
    try:
        payload = serializer(secret_key).loads(token)
    except BadSignature:
        raise SignedLinkError("invalid") from None
    if (
        not isinstance(payload, dict)
        or payload.get("s") != slug
        or not isinstance(payload.get("h"), dict)
        or not isinstance(payload.get("e"), int)
    ):
        raise SignedLinkError("invalid")
    now = now or datetime.now(UTC)
    if payload["e"] <= now.timestamp():
        raise SignedLinkError("expired")
    return {str(name): str(value) for name, value in payload["h"].items()}
