"""Shared fixtures: the app on a real database, its clients, and factories of rows.

The database is SQLite in a temporary folder, or PostgreSQL when
``TEST_DATABASE_URL`` names a server (``scripts/test`` starts one on loopback and
runs the suite against both). The schema is built once per session by the real
migrations; each test starts from empty tables.
"""

import os
import secrets
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, has_app_context
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade
from helpers import SURVEYS_DIR, TEST_PASSWORD, AuthActions
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from werkzeug.security import generate_password_hash

from cat_survey import create_app
from cat_survey.catalog import (
    definition_of,
    latest_version,
    load_departments,
    load_survey_file,
)
from cat_survey.db import MIGRATIONS_DIR, db
from cat_survey.domain.accounts import create_user
from cat_survey.loopback import throwaway_database
from cat_survey.models import (
    Answer,
    Department,
    Survey,
    SurveyResponse,
    Theme,
    ThemeAnswer,
    ThemeMonth,
    User,
    utcnow,
)


def pytest_report_header() -> str:
    """Say which database this run uses, so a green run says what it proved."""
    url = os.environ.get("TEST_DATABASE_URL")
    shown = make_url(url).render_as_string(hide_password=True) if url else "SQLite"
    return f"cat-survey database: {shown}"


#: The fixtures that put a test on the database under test (TEST_DATABASE_URL).
DATABASE_FIXTURES = {"database_url", "gunicorn_database_url"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``database`` every test that uses the database under test.

    ``scripts/test`` runs its PostgreSQL pass with ``-m database``: a test that
    reaches no database (bandit, the import rules, doctests, the catalogs) has
    proved all it can in the SQLite pass. Runs before ``-m`` deselects.
    """
    for item in items:
        if DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.database)


@pytest.fixture(scope="session")
def database_url(
    tmp_path_factory: pytest.TempPathFactory, worker_id: str
) -> Iterator[str]:
    """A fresh, empty database for this test session (one per xdist worker)."""
    with throwaway_database(
        os.environ.get("TEST_DATABASE_URL"),
        tmp_path_factory.mktemp("db"),
        name=worker_id,
    ) as url:
        yield url


@pytest.fixture(scope="session")
def worker_id() -> str:
    """The xdist worker's name, or 'main' when tests run in one process."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def migrated(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Run the real migrations once per session."""
    app = create_app(test_settings(database_url, tmp_path_factory.mktemp("inst")))
    with app.app_context():
        upgrade(directory=str(MIGRATIONS_DIR))
        db.engine.dispose()
    return database_url


def test_settings(database_url: str, instance: Path) -> dict[str, Any]:
    """Configuration shared by every test app."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SURVEYS_DIR": str(SURVEYS_DIR),
        "DEPARTMENTS_FILE": str(SURVEYS_DIR / "departments.yaml"),
        "INSTANCE_PATH": str(instance),
        # The suite sends everything from 127.0.0.1: rate limits and suspect
        # screening stay off except in the tests of them, which turn them on.
        "RATELIMIT_ENABLED": False,
        "INTEGRITY_SCREENING_ENABLED": False,
    }


class IsolatedClient(FlaskClient):
    """A test client whose every request gets its own application context.

    Tests often hold an app context open (``app_ctx``) to read the database; a
    request would otherwise share it, and with it ``g``, where Flask-Login keeps the
    signed-in user and Flask-WTF the CSRF token: one client's login would leak into
    the next request of another. Real servers never share ``g`` between requests.
    """

    def open(self, *args: Any, **kwargs: Any):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        if has_app_context():
            # The test's own session may hold rows this request changed.
            db.session.expire_all()
        return response


@pytest.fixture
def app(migrated: str, tmp_path: Path) -> Iterator[Flask]:
    """The application on the session's database; tables are emptied afterwards."""
    app = create_app(test_settings(migrated, tmp_path))
    app.test_client_class = IsolatedClient
    yield app
    with app.app_context():
        db.session.remove()
        empty_tables()
        db.engine.dispose()


#: Every sequence of the schema back to 1, as TRUNCATE ... RESTART IDENTITY does.
RESTART_SEQUENCES = (
    "SELECT setval(quote_ident(schemaname) || '.' || quote_ident(sequencename),"
    " 1, false) FROM pg_sequences WHERE schemaname = current_schema()"
)


def empty_tables() -> None:
    """Delete every row so the next test starts clean (schema stays); ids restart.

    Children first, so that no foreign key refuses. On PostgreSQL the DELETEs and
    the sequence reset go as one script: a tenth of the time of TRUNCATE, which
    rewrites the files of every table, on tables this small (about 5 ms against
    50 ms a test). TRUNCATE ... CASCADE stays the fallback.
    """
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name != "postgresql":
        with db.engine.begin() as connection:
            for table in tables:
                connection.execute(table.delete())
        return
    script = "".join(f'DELETE FROM "{table.name}";' for table in tables)
    try:
        with db.engine.begin() as connection:
            connection.exec_driver_sql(script + RESTART_SEQUENCES)
    except IntegrityError:
        names = ", ".join(f'"{table.name}"' for table in tables)
        with db.engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[None]:
    """An application context, for tests that use ``db.session`` directly."""
    with app.app_context():
        yield


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client for the app."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """A runner for the app's ``flask`` commands."""
    return app.test_cli_runner()


@pytest.fixture
def departments(app_ctx: None) -> dict[str, Department]:
    """The shipped department catalog, loaded; keyed by slug."""
    load_departments(SURVEYS_DIR / "departments.yaml")
    db.session.commit()
    return {
        department.slug: department
        for department in db.session.scalars(db.select(Department))
    }


@pytest.fixture
def cheap_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash new staff passwords cheaply: scrypt costs ~0.1 s of CPU per account.

    Signing in still checks the password for real: a hash names its own method.
    """
    monkeypatch.setattr(
        "cat_survey.domain.accounts.generate_password_hash",
        partial(generate_password_hash, method="pbkdf2:sha256:1000"),
    )


@pytest.fixture
def make_user(app_ctx: None, cheap_password_hashes: None) -> Callable[..., User]:
    """Return a factory of staff accounts (password ``TEST_PASSWORD``)."""

    def make(
        email: str = "lead@example.com",
        *,
        role: str = "cx_lead",
        department: str | None = None,
    ) -> User:
        user = create_user(email, TEST_PASSWORD, role=role, department_slug=department)
        db.session.commit()
        return user

    return make


@pytest.fixture
def advocate_departments() -> tuple[str, str]:
    """The departments of advocates "a" and "b" of ``staff``.

    A test folder's conftest overrides this fixture to staff other departments.
    """
    return ("cx", "sales")


@pytest.fixture
def staff(
    departments: dict[str, Department],
    make_user: Callable[..., User],
    advocate_departments: tuple[str, str],
) -> dict[str, User]:
    """Advocates "a" and "b" (``advocate_departments``), a "lead" and an "admin"."""
    department_a, department_b = advocate_departments
    return {
        "a": make_user("a@example.com", role="advocate", department=department_a),
        "b": make_user("b@example.com", role="advocate", department=department_b),
        "lead": make_user("lead@example.com", role="cx_lead"),
        "admin": make_user("admin@example.com", role="admin"),
    }


@pytest.fixture
def make_survey(app_ctx: None, tmp_path: Path) -> Callable[..., str]:
    """Return a factory that stores a survey (a shipped slug or YAML text)."""

    def make(slug_or_source: str = "relationship-nps") -> str:
        if "\n" in slug_or_source:
            path = tmp_path / "survey.yaml"
            path.write_text(slug_or_source, encoding="utf-8")
        else:
            path = SURVEYS_DIR / f"{slug_or_source}.yaml"
        result = load_survey_file(path)
        db.session.commit()
        return result.slug

    return make


@pytest.fixture
def make_response(app_ctx: None, make_survey: Callable[..., str]) -> Callable[..., Any]:
    """Return a factory of stored responses: ``make_response(nps=3, fix_first="...")``.

    Answers are given as keyword arguments (question id = value); the response is
    complete unless ``complete=False``; ``at`` sets when it was answered.
    """
    loaded: set[str] = set()

    def make(
        survey: str = "relationship-nps",
        *,
        hidden: dict[str, str] | None = None,
        complete: bool = True,
        at: datetime | None = None,
        **answers: Any,
    ) -> SurveyResponse:
        if survey not in loaded:
            make_survey(survey)
            loaded.add(survey)
        record = db.session.scalar(db.select(Survey).filter_by(slug=survey))
        version = latest_version(record)
        definition = definition_of(version)
        at = at or utcnow()
        hidden = hidden or {}
        response = SurveyResponse(
            survey=record,
            version=version,
            token=secrets.token_urlsafe(16),
            status="complete" if complete else "partial",
            customer_ref=hidden.get("customer_ref"),
            segment=hidden.get("segment"),
            hidden=hidden,
            started_at=at,
            completed_at=at if complete else None,
            contact_consent=answers.get("contact_consent") == "yes",
        )
        for position, (question_id, value) in enumerate(answers.items()):
            question = definition.question(question_id)
            assert question is not None, f"{survey} has no question {question_id}"
            response.answers.append(
                Answer(
                    question_id=question_id,
                    question_type=question.type,
                    position=position,
                    number_value=value if isinstance(value, int) else None,
                    text_value=value if isinstance(value, str) else None,
                    choice_values=value if isinstance(value, list) else None,
                    answered_at=at,
                )
            )
        db.session.add(response)
        db.session.commit()
        return response

    return make


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    """Sign the test client in as a staff member: ``auth.login(email)``."""
    return AuthActions(client)


@pytest.fixture
def make_theme(
    make_response: Callable[..., Any], departments: dict[str, Department]
) -> Callable[..., Theme]:
    """Return a factory of themes whose answers come from stored responses.

    Each answer is a text, or a dict with ``text`` and optional ``nps`` (default
    3), ``segment`` (default "smb"), ``consent``, ``first_name``,
    ``customer_ref`` and ``at`` (when it was answered).
    """

    def make(
        department: str | None = "cx",
        *,
        label: str = "Invoices are wrong",
        terms: Sequence[str] = ("invoice", "total"),
        answers: Sequence[str | dict[str, Any]] = ("The invoice total was wrong",),
        status: str = "new",
        sentiment: float | None = -0.4,
        routing_confidence: float = 0.82,
        nps: float | None = None,
        owner: User | None = None,
        needs_triage: bool = False,
        resolved_size: int | None = None,
        created_at: datetime | None = None,
    ) -> Theme:
        theme = Theme(
            label=label,
            terms=list(terms),
            department=departments[department] if department else None,
            status=status,
            sentiment=sentiment,
            nps=nps,
            owner=owner,
            routing_confidence=routing_confidence,
            routing_terms=list(terms[:1]),
            needs_triage=needs_triage,
            resolved_size=resolved_size,
            created_at=created_at or utcnow(),
        )
        db.session.add(theme)
        db.session.flush()
        months: Counter = Counter()
        answer_ids = []
        for item in answers:
            spec = {"text": item} if isinstance(item, str) else dict(item)
            at = spec.get("at") or utcnow()
            hidden = {
                "segment": spec.get("segment", "smb"),
                "first_name": spec.get("first_name"),
                "customer_ref": spec.get("customer_ref"),
            }
            response = make_response(
                hidden={k: v for k, v in hidden.items() if v is not None},
                at=at,
                nps=spec.get("nps", 3),
                fix_first=spec["text"],
                contact_consent="yes" if spec.get("consent") else "no",
            )
            text_answer = next(
                a for a in response.answers if a.question_id == "fix_first"
            )
            db.session.add(
                ThemeAnswer(answer_id=text_answer.id, theme_id=theme.id, similarity=0.5)
            )
            answer_ids.append(text_answer.id)
            months[at.date().replace(day=1)] += 1
        theme.survey_id = db.session.scalar(
            db.select(Survey.id).filter_by(slug="relationship-nps")
        )
        theme.size = len(answer_ids)
        theme.quotes = answer_ids[:3]
        for month, count in months.items():
            db.session.add(ThemeMonth(theme_id=theme.id, month=month, count=count))
        db.session.commit()
        return theme

    return make
