"""Invitations: personal, single-use survey links made from a customer CSV.

Each row becomes an ``Invitation`` whose token is the link, carrying the row's hidden
fields (name, segment, plan, ...) into the conversation. Rows that cannot become an
invitation are refused with their line number and the reason, never silently dropped.
"""

import re
from dataclasses import dataclass, field
from datetime import timedelta

from analysis.csv_input import CsvTable, InputError, parse_csv
from cat_survey.catalog import definition_of
from cat_survey.db import db
from cat_survey.domain.flow import gettext_noop
from cat_survey.domain.responses import clean_hidden, new_token, published_version
from cat_survey.exports import csv_text
from cat_survey.models import Invitation, Survey, SurveyResponse, utcnow

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
REF_COLUMNS = ("ref", "customer_ref")
# A "name" column fills the first_name field that surveys pipe into prompts.
COLUMN_ALIASES = {"name": "first_name"}


@dataclass(frozen=True)
class Refused:
    """A CSV row that did not become an invitation, and why.

    ``reason`` is the English text the command line prints; ``template`` (marked
    with ``gettext_noop``) and ``values`` let a page show it translated.
    """

    line: int
    reason: str
    template: str = ""
    values: tuple[tuple[str, object], ...] = ()

    @classmethod
    def of(cls, line: int, template: str, **values: object) -> "Refused":
        """A refusal of row ``line`` from a message template and its values."""
        reason = template % values if values else template
        return cls(line, reason, template, tuple(values.items()))


@dataclass(frozen=True)
class InvitationBatch:
    """The links for one CSV (new or reused, in file order) and the rows refused."""

    invitations: list[Invitation]
    refused: list[Refused]
    reused: list[Invitation] = field(default_factory=list)

    @property
    def created(self) -> list[Invitation]:
        """The invitations this batch added (the others were already open)."""
        reused = {id(invitation) for invitation in self.reused}
        return [inv for inv in self.invitations if id(inv) not in reused]


class InvitationFileError(ValueError):
    """A customer file that cannot be read at all."""


def read_customer_csv(data: bytes, name: str) -> list[dict[str, str]]:
    """Rows of a customer CSV, with lower-case headers (the rules of every CSV here).

    A file that cannot be read at all raises InvitationFileError with the message of
    :func:`analysis.csv_input.parse_csv`.
    """
    try:
        table = parse_csv(data, name)
    except InputError as error:
        raise InvitationFileError(str(error)) from None
    headers = [header.lower() for header in table.header]
    if not any(column in headers for column in REF_COLUMNS):
        raise InvitationFileError(
            f"{name}: needs a 'ref' column (the customer reference)"
        )
    return CsvTable(name, headers, table.rows).records()


def open_invitations(survey: Survey, refs: set[str]) -> dict[str, Invitation]:
    """The newest unused, unexpired invitation of each customer ref to this survey.

    Unused means no response was started from it: its link still opens the survey.
    """
    now = utcnow()
    started = db.select(SurveyResponse.id).where(
        SurveyResponse.invitation_id == Invitation.id
    )
    query = (
        db.select(Invitation)
        .where(
            Invitation.survey_id == survey.id,
            Invitation.customer_ref.in_(refs),
            ~started.exists(),
            (Invitation.expires_at.is_(None)) | (Invitation.expires_at > now),
        )
        .order_by(Invitation.created_at, Invitation.id)
    )
    # Ordered oldest first, so the newest invitation of a ref wins.
    return {
        inv.customer_ref: inv for inv in db.session.scalars(query) if inv.customer_ref
    }


def create_invitations(
    survey: Survey,
    rows: list[dict[str, str]],
    *,
    expires_days: int = 60,
    reuse_open: bool = True,
) -> InvitationBatch:
    """Make one invitation per valid row; list each refused row (line numbers 2+).

    A customer who already holds an open invitation to this survey keeps it (as it
    is), so running the same CSV twice does not put two live links in their inbox;
    ``reuse_open=False`` makes a new link for everyone.
    Raises SurveyNotPublished if no version of the survey has been loaded.
    """
    definition = definition_of(published_version(survey))
    expires_at = utcnow() + timedelta(days=expires_days)
    refs = {
        (row.get("ref") or row.get("customer_ref") or "").strip()[:200] for row in rows
    }
    already_open = open_invitations(survey, refs - {""}) if reuse_open else {}
    seen: set[str] = set()
    invitations, refused, reused = [], [], []
    for line, row in enumerate(rows, start=2):
        row = {COLUMN_ALIASES.get(key, key): (value or "").strip()
               for key, value in row.items() if key}  # fmt: skip
        ref = row.get("ref") or row.get("customer_ref") or ""
        email = row.get("email", "")
        if not ref:
            refused.append(Refused.of(line, gettext_noop("no customer ref")))
        elif ref in seen:
            appears_twice = gettext_noop("ref '%(ref)s' appears twice in the file")
            refused.append(Refused.of(line, appears_twice, ref=ref))
        elif email and not EMAIL.match(email):
            not_an_email = gettext_noop("'%(email)s' is not an e-mail address")
            refused.append(Refused.of(line, not_an_email, email=email))
        elif ref[:200] in already_open:
            seen.add(ref)
            invitations.append(already_open[ref[:200]])
            reused.append(already_open[ref[:200]])
        else:
            seen.add(ref)
            invitation = Invitation(
                survey=survey,
                token=new_token(),
                customer_ref=ref[:200],
                email=email or None,
                hidden=clean_hidden(definition, row),
                expires_at=expires_at,
            )
            db.session.add(invitation)
            invitations.append(invitation)
    db.session.flush()
    return InvitationBatch(invitations, refused, reused)


def links_csv(invitations: list[Invitation], base_url: str) -> str:
    """A CSV of personal links to hand to a mailing tool (made safe by csv_text)."""
    return csv_text(
        ["ref", "email", "name", "link", "expires_at"],
        [
            [
                invitation.customer_ref,
                invitation.email or "",
                invitation.hidden.get("first_name", ""),
                f"{base_url.rstrip('/')}/i/{invitation.token}",
                invitation.expires_at.isoformat() if invitation.expires_at else "",
            ]
            for invitation in invitations
        ],
    )
