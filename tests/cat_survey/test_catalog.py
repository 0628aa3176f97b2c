"""Loading the department catalog next to the admin screens' edits."""

from helpers import SURVEYS_DIR

from cat_survey.catalog import load_departments
from cat_survey.db import db
from cat_survey.domain.accounts import edit_department

CATALOG = SURVEYS_DIR / "departments.yaml"


def edit_tech(departments, admin, **changes: str) -> None:
    """Edit Tech on the admin screens' terms, keeping its advocates."""
    tech = departments["tech"]
    fields = {
        "name": tech.name,
        "description": tech.description,
        "webhook_url": tech.webhook_url or "",
    }
    edit_department(
        tech, **(fields | changes), advocates=list(tech.advocates), actor=admin
    )
    db.session.commit()


def test_loading_again_keeps_a_name_and_webhook_an_admin_edited(departments, make_user):
    admin = make_user("admin@example.com", role="admin")
    tech = departments["tech"]
    file_description = tech.description
    edit_tech(departments, admin, name="Engineering", webhook_url="https://h.example")
    tech.keywords = []

    result = load_departments(CATALOG)
    db.session.commit()
    assert (tech.name, tech.webhook_url) == ("Engineering", "https://h.example")
    assert tech.description == file_description  # not edited: the file's
    assert tech.keywords  # routing keywords always come from the file
    assert result.kept_web_edits == 1
    # Only Tech's keywords changed; the name kept as edited is no change.
    assert (result.created, result.updated, result.unchanged) == (0, 1, 8)


def test_loading_with_overwrite_takes_the_files_name_again(departments, make_user):
    admin = make_user("admin@example.com", role="admin")
    file_name = departments["tech"].name
    edit_tech(departments, admin, name="Engineering")
    result = load_departments(CATALOG, overwrite_web_edits=True)
    assert departments["tech"].name == file_name
    assert result.kept_web_edits == 0


def test_the_load_command_says_what_it_kept_and_overwrites_when_told(
    runner, departments, make_user
):
    admin = make_user("admin@example.com", role="admin")
    edit_tech(departments, admin, name="Engineering")
    kept = runner.invoke(args=["departments", "load", str(CATALOG)])
    assert kept.exit_code == 0, kept.output
    assert "1 web edits kept" in kept.output
    db.session.expire_all()
    assert departments["tech"].name == "Engineering"
    told = runner.invoke(
        args=["departments", "load", str(CATALOG), "--overwrite-web-edits"]
    )
    assert "kept" not in told.output
    db.session.expire_all()
    assert departments["tech"].name != "Engineering"
