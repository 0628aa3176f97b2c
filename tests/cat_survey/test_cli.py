"""The ``flask`` commands: schema, surveys, departments and users."""

import pytest
from helpers import SURVEYS_DIR, csrf_token
from werkzeug.security import check_password_hash

from cat_survey.db import db
from cat_survey.models import AdminEvent, Department, Survey, SurveyVersion, User


def test_init_db_upgrades_the_schema(runner):
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "Database ready" in result.output


def test_surveys_check_passes_on_the_shipped_files(runner):
    result = runner.invoke(args=["surveys", "check"])
    assert result.exit_code == 0, result.output
    assert result.output.count("ok ") == 4


def test_surveys_check_names_file_question_and_field_of_a_broken_file(runner, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "slug: broken\ntitle: t\nquestions:\n  - {id: q1, type: slider, prompt: p}\n"
    )
    result = runner.invoke(args=["surveys", "check", str(broken)])
    assert result.exit_code == 1
    assert f"{broken}:4: question 'q1': field 'type': unknown type" in result.output


def versions_of(slug):
    return db.session.scalars(
        db.select(SurveyVersion.number).join(Survey).filter(Survey.slug == slug)
    ).all()


def test_surveys_load_is_idempotent_and_a_change_makes_a_new_version(
    runner, app_ctx, tmp_path
):
    assert runner.invoke(args=["surveys", "load"]).exit_code == 0
    result = runner.invoke(args=["surveys", "load"])
    assert result.exit_code == 0
    assert result.output.count("unchanged") == 4
    assert versions_of("relationship-nps") == [1]

    changed = tmp_path / "relationship-nps.yaml"
    source = (SURVEYS_DIR / "relationship-nps.yaml").read_text()
    changed.write_text(source.replace("two minutes", "a minute"))
    result = runner.invoke(args=["surveys", "load", str(changed)])
    assert "relationship-nps: version 2 (new version)" in result.output
    assert versions_of("relationship-nps") == [1, 2]


def test_surveys_load_refuses_a_broken_file_and_stores_nothing(
    runner, app_ctx, tmp_path
):
    broken = tmp_path / "broken.yaml"
    broken.write_text("slug: broken\ntitle: t\nquestions: []\n")
    result = runner.invoke(args=["surveys", "load", str(broken)])
    assert result.exit_code == 1
    assert "questions" in result.output
    assert db.session.scalars(db.select(Survey)).all() == []


def test_departments_load_creates_the_nine_departments_then_updates(runner, app_ctx):
    first = runner.invoke(args=["departments", "load"])
    assert first.exit_code == 0, first.output
    assert "9 created, 0 updated, 0 unchanged" in first.output
    second = runner.invoke(args=["departments", "load"])
    assert "0 created, 0 updated, 9 unchanged" in second.output
    tech = db.session.scalar(db.select(Department).filter_by(slug="tech"))
    tech.keywords = ["outdated"]
    db.session.commit()
    third = runner.invoke(args=["departments", "load"])
    assert "0 created, 1 updated, 8 unchanged" in third.output
    slugs = set(db.session.scalars(db.select(Department.slug)))
    assert slugs == {"cx", "ui-design", "sales", "marketing", "outreach",
                     "branding", "tech", "product", "client-success"}  # fmt: skip


def test_users_create_makes_an_advocate_with_a_hashed_password(
    runner, app_ctx, departments
):
    result = runner.invoke(
        args=["users", "create", "Ana@Example.com", "--role", "advocate",
              "--department", "tech", "--password", "s3cret-pass"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    user = db.session.scalar(db.select(User).filter_by(email="ana@example.com"))
    assert user.department.slug == "tech"
    assert user.password_hash != "s3cret-pass"
    assert check_password_hash(user.password_hash, "s3cret-pass")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["a@example.com", "--role", "advocate"], "an advocate needs --department"),
        (["a@example.com", "--role", "advocate", "--department", "nope"],
         "no department 'nope'"),
        (["not-an-email", "--role", "admin"], "is not an e-mail address"),
        (["a@example.com", "--role", "admin", "--password", "short"], "at least 8"),
        (["a@example.com", "--role", "admin", "--password", "password"],
         "too easy to guess"),
        (["a@example.com", "--role", "admin", "--password", "a@example.com"],
         "too easy to guess"),
        (["a@example.com", "--role", "king"], "Invalid value for '--role'"),
    ],
)  # fmt: skip
def test_users_create_refuses_bad_accounts(runner, departments, args, message):
    if "--password" not in args:
        args = [*args, "--password", "long-enough-pass"]
    result = runner.invoke(args=["users", "create", *args])
    assert result.exit_code != 0
    assert message in result.output


def test_users_create_refuses_a_second_account_with_the_same_email(runner, app_ctx):
    args = [
        "users",
        "create",
        "a@example.com",
        "--role",
        "admin",
        "--password",
        "plum kettle orbit",
    ]
    assert runner.invoke(args=args).exit_code == 0
    again = runner.invoke(args=args)
    assert again.exit_code == 1
    assert "already exists" in again.output


@pytest.fixture
def ana(runner, app_ctx):
    """An admin account made with the command, and signed in nowhere yet."""
    result = runner.invoke(
        args=["users", "create", "ana@example.com", "--role", "admin",
              "--password", "plum kettle orbit"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return db.session.scalar(db.select(User).filter_by(email="ana@example.com"))


def test_users_set_password_applies_the_policy_and_ends_sessions(runner, ana):
    version = ana.session_version
    weak = runner.invoke(
        args=["users", "set-password", "ana@example.com", "--password", "password"]
    )
    assert weak.exit_code == 1
    assert "too easy to guess" in weak.output
    result = runner.invoke(
        args=["users", "set-password", "Ana@Example.com",
              "--password", "a new quiet harbour"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    db.session.refresh(ana)
    assert check_password_hash(ana.password_hash, "a new quiet harbour")
    assert ana.session_version == version + 1
    missing = runner.invoke(
        args=["users", "set-password", "nobody@example.com", "--password", "x"]
    )
    assert missing.exit_code == 1
    assert "no account nobody@example.com" in missing.output


def test_users_deactivate_stops_sign_in_and_is_audited(runner, ana, client):
    result = runner.invoke(args=["users", "deactivate", "ana@example.com"])
    assert result.exit_code == 0, result.output
    db.session.refresh(ana)
    assert not ana.is_active
    event = db.session.scalar(db.select(AdminEvent).filter_by(user_id=ana.id))
    assert (event.kind, event.actor_id) == ("deactivated", None)
    again = runner.invoke(args=["users", "deactivate", "ana@example.com"])
    assert "already deactivated" in again.output
    page = client.get("/auth/login")
    refused = client.post(
        "/auth/login",
        data={"email": "ana@example.com", "password": "plum kettle orbit",
              "csrf_token": csrf_token(page.text)},
    )  # fmt: skip
    assert refused.status_code == 200
    assert "do not match an account" in refused.text
