"""Seeding: the demo staff with working logins, and the simulated year as rows.

:func:`seed_demo` is what ``flask --app cat_survey seed-demo`` runs. It reads the
clock once (unless given ``now``), so every date it writes, and the logins file's
own timestamp, agree on what "now" was.
"""

import os
import secrets
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from random import Random

import click
from flask import current_app
from sqlalchemy import func

from analysis.routing import CatalogError
from cat_survey.catalog import (
    definition_of,
    latest_version,
    load_departments,
    load_survey_file,
)
from cat_survey.db import db
from cat_survey.definitions import (
    DefinitionError,
    Question,
    survey_files,
)
from cat_survey.demo.simulation import (
    SimulatedResponse,
    simulated_responses,
)
from cat_survey.domain.accounts import create_user
from cat_survey.domain.flow import AnswerValue
from cat_survey.models import (
    Answer,
    Department,
    ResponseStatus,
    Role,
    Survey,
    SurveyResponse,
    SurveyVersion,
    User,
)

DEMO_DOMAIN = "demo.cat-survey.test"
LOGINS_FILE = "demo-logins.txt"
FLUSH_EVERY = 250


@dataclass(frozen=True)
class StaffMember:
    """A demo account to create: e-mail local part, role, department and name."""

    local_part: str
    role: str
    department: str | None
    name: str


STAFF_NAMES = {
    "cx": ("Kwame Mensah", "Haruka Sato"),
    "ui-design": ("Lea Fischer",),
    "sales": ("Daniel Okoye",),
    "marketing": ("Chloé Martin",),
    "outreach": ("Arjun Nair",),
    "branding": ("Isabel Costa",),
    "tech": ("Tomasz Nowak", "Mei Lin"),
    "product": ("Omar Haddad",),
    "client-success": ("Emily Walsh",),
}


@dataclass(frozen=True)
class Login:
    """A demo account's credentials, to print once and keep in the instance folder."""

    role: str
    department: str
    email: str
    password: str


# -- Seeding -------------------------------------------------------------------------


def seed_demo(
    *, responses: int = 2000, seed: int = 7, now: datetime | None = None
) -> str:
    """Create demo staff and ``responses`` survey responses; return what was done.

    The responses cover the year before ``now`` (default: the clock, read once here),
    so the same ``seed`` and ``now`` give the same data at any hour. Idempotent: when
    demo staff already exist nothing is added and the summary says so (with the
    saved logins). The caller commits.
    """
    if responses < 0:
        raise click.ClickException("--responses must be 0 or more")
    now = now or datetime.now(UTC)
    started = time.perf_counter()
    versions = load_content()
    logins_path = Path(current_app.instance_path) / LOGINS_FILE
    if demo_staff_count():
        return already_seeded_summary(logins_path)

    rng = Random(seed)  # nosec B311 - reproducible fake data, not a secret
    logins = create_demo_staff()
    write_logins(logins_path, logins, now=now)
    add_demo_responses(rng, versions, total=responses, now=now)
    elapsed = time.perf_counter() - started
    return "\n".join(
        [
            f"Demo data seeded in {elapsed:.1f} s.",
            responses_summary(),
            "",
            f"Demo logins (saved to {logins_path}, readable only by you):",
            logins_table(logins),
        ]
    )


def load_content() -> dict[str, SurveyVersion]:
    """Load the department catalog and every survey; the latest version by slug."""
    try:
        load_departments(current_app.config["DEPARTMENTS_FILE"])
        for path in survey_files(current_app.config["SURVEYS_DIR"]):
            load_survey_file(path)
    except (CatalogError, DefinitionError) as error:
        raise click.ClickException(str(error)) from error
    versions = {}
    active = db.select(Survey).filter_by(is_active=True).order_by(Survey.slug)
    for survey in db.session.scalars(active):
        version = latest_version(survey)
        if version is not None:
            versions[survey.slug] = version
    return versions


def demo_staff_count() -> int:
    """How many demo accounts exist already."""
    return (
        db.session.scalar(
            db.select(func.count())
            .select_from(User)
            .where(User.email.like(f"%@{DEMO_DOMAIN}"))
        )
        or 0
    )


def demo_staff() -> list[StaffMember]:
    """The demo team: an admin, a CX lead and advocates for every department."""
    members = [
        StaffMember("admin", Role.ADMIN, None, "Morgan Ellis"),
        StaffMember("lead", Role.CX_LEAD, None, "Sofia Marquez"),
    ]
    for department in db.session.scalars(db.select(Department).order_by(Department.id)):
        names = STAFF_NAMES.get(department.slug, (f"{department.name} advocate",))
        for number, name in enumerate(names, start=1):
            local_part = (
                department.slug if number == 1 else f"{department.slug}-{number}"
            )
            members.append(
                StaffMember(local_part, Role.ADVOCATE, department.slug, name)
            )
    return members


def create_demo_staff() -> list[Login]:
    """Create the demo accounts with fresh random passwords."""
    logins = []
    for member in demo_staff():
        password = secrets.token_urlsafe(9)
        user = create_user(
            f"{member.local_part}@{DEMO_DOMAIN}",
            password,
            role=member.role,
            name=member.name,
            department_slug=member.department,
        )
        logins.append(
            Login(str(user.role), member.department or "-", user.email, password)
        )
    return logins


def logins_table(logins: Sequence[Login]) -> str:
    """The logins as an aligned plain-text table."""
    rows = [("role", "department", "email", "password")]
    rows += [
        (login.role, login.department, login.email, login.password) for login in logins
    ]
    role, department, email = (max(len(row[i]) for row in rows) for i in range(3))
    return "\n".join(
        f"  {row[0]:<{role}}  {row[1]:<{department}}  {row[2]:<{email}}  {row[3]}"
        for row in rows
    )


def write_logins(path: Path, logins: Sequence[Login], *, now: datetime) -> None:
    """Save the logins owner-only: they are real passwords to a running app."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = (
        "cat-survey demo logins (created by 'flask --app cat_survey seed-demo' on "
        f"{now:%Y-%m-%d %H:%M} UTC)\n{logins_table(logins)}\n"
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(text)
    # A file left by an earlier run keeps its old mode unless told otherwise.
    path.chmod(0o600)


def already_seeded_summary(logins_path: Path) -> str:
    """Say the demo data exists, with its counts and the saved logins."""
    lines = [
        f"Demo data is already there ({demo_staff_count()} demo staff); nothing added.",
        responses_summary(),
        "",
    ]
    if logins_path.exists():
        lines.append(f"Demo logins (from {logins_path}):")
        lines.append(logins_path.read_text(encoding="utf-8").rstrip())
    else:
        lines.append(
            f"The logins file {logins_path} is missing; the demo passwords were only "
            "shown when the demo data was first seeded."
        )
    return "\n".join(lines)


def responses_summary() -> str:
    """Responses per survey, complete and partial, from the database."""
    rows = db.session.execute(
        db.select(Survey.slug, SurveyResponse.status, func.count())
        .join(SurveyResponse, SurveyResponse.survey_id == Survey.id)
        .group_by(Survey.slug, SurveyResponse.status)
        .order_by(Survey.slug)
    ).all()
    by_survey: dict[str, Counter[str]] = {}
    for slug, status, count in rows:
        by_survey.setdefault(slug, Counter())[status] = count
    total = Counter[str]()
    for counts in by_survey.values():
        total.update(counts)
    width = max([len(slug) for slug in by_survey] + [5])
    lines = [
        f"Responses: {total.total()} "
        f"({total[ResponseStatus.COMPLETE]} complete, "
        f"{total[ResponseStatus.PARTIAL]} partial)"
    ]
    for slug, counts in by_survey.items():
        lines.append(
            f"  {slug.ljust(width)}  {counts.total():5d}  "
            f"({counts[ResponseStatus.COMPLETE]} complete, "
            f"{counts[ResponseStatus.PARTIAL]} partial)"
        )
    return "\n".join(lines)


def add_demo_responses(
    rng: Random,
    versions: Mapping[str, SurveyVersion],
    *,
    total: int,
    now: datetime,
) -> None:
    """Simulate ``total`` responses in the year before ``now``; insert in batches."""
    if not versions or total == 0:
        return
    definitions = {slug: definition_of(version) for slug, version in versions.items()}
    batch: list[SurveyResponse] = []
    for simulated in simulated_responses(rng, definitions, total=total, now=now):
        batch.append(stored_response(versions[simulated.slug], simulated))
        if len(batch) >= FLUSH_EVERY:
            db.session.add_all(batch)
            db.session.flush()
            batch = []
    db.session.add_all(batch)
    db.session.flush()


def stored_response(
    version: SurveyVersion, simulated: SimulatedResponse
) -> SurveyResponse:
    """The SurveyResponse row (with its answers) for one simulated response."""
    customer, finished = simulated.customer, simulated.last_answered_at
    return SurveyResponse(
        survey_id=version.survey_id,
        survey_version_id=version.id,
        token=secrets.token_urlsafe(24),
        status=ResponseStatus.PARTIAL if simulated.partial else ResponseStatus.COMPLETE,
        customer_ref=customer.ref,
        segment=customer.segment,
        hidden=customer.hidden,
        locale=customer.locale,
        channel=simulated.channel,
        contact_consent=simulated.contact_consent,
        started_at=simulated.occasion.started_at,
        updated_at=finished,
        completed_at=None if simulated.partial else finished,
        answers=[
            stored_answer(answer.question, answer.value, index, answer.answered_at)
            for index, answer in enumerate(simulated.answers)
        ],
    )


def stored_answer(
    question: Question, value: AnswerValue, index: int, answered_at: datetime
) -> Answer:
    """The Answer row for one value, in the column its type belongs in."""
    return Answer(
        question_id=question.id,
        question_type=question.type,
        position=index,
        answered_at=answered_at,
        **Answer.columns_for(value),
    )
