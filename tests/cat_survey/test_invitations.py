"""``invitations create``: personal links from a customer CSV, refusals explained."""

import csv
import io
from datetime import timedelta

from cat_survey.db import db
from cat_survey.models import Invitation, SurveyResponse, utcnow


def create_links(runner, customers, *extra) -> tuple[dict[str, str], str]:
    """Run ``invitations create`` on relationship-nps: links by ref, and the summary."""
    result = runner.invoke(
        args=["invitations", "create", "--survey", "relationship-nps",
              "--csv", str(customers), *extra]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = csv.DictReader(io.StringIO(result.stdout))
    return {row["ref"]: row["link"] for row in rows}, result.stderr


def test_invitations_create_writes_links_and_lists_refused_rows(
    runner, app_ctx, make_survey, tmp_path
):
    make_survey("relationship-nps")
    customers = tmp_path / "customers.csv"
    customers.write_text(
        "ref,email,name,segment,favourite_colour\n"
        "C-1,ana@example.com,Ana,enterprise,blue\n"
        ",nobody@example.com,No Ref,smb,\n"
        "C-2,not-an-email,Bo,smb,\n"
        "C-1,dup@example.com,Dup,smb,\n"
        "C-3,,Chika,mid-market,\n",
        encoding="utf-8",
    )
    output = tmp_path / "links.csv"
    result = runner.invoke(
        args=["invitations", "create", "--survey", "relationship-nps",
              "--csv", str(customers), "--expires-days", "30", "--output", str(output)]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"{customers}:3: refused: no customer ref" in result.output
    assert f"{customers}:4: refused: 'not-an-email' is not an e-mail address" in (
        result.output
    )
    assert f"{customers}:5: refused: ref 'C-1' appears twice" in result.output
    assert (
        "2 invitation(s) created, 0 open invitation(s) reused, 3 row(s) refused"
        in result.output
    )
    links = list(csv.DictReader(io.StringIO(output.read_text())))
    assert [row["ref"] for row in links] == ["C-1", "C-3"]
    assert links[0]["link"].startswith("http://127.0.0.1:5000/i/")
    stored = db.session.scalar(db.select(Invitation).filter_by(customer_ref="C-1"))
    assert stored.hidden == {"first_name": "Ana", "segment": "enterprise"}
    assert stored.token in links[0]["link"]


def test_invitations_create_refuses_a_file_without_refs(runner, make_survey, tmp_path):
    make_survey("relationship-nps")
    customers = tmp_path / "customers.csv"
    customers.write_text("email\na@example.com\n")
    result = runner.invoke(
        args=["invitations", "create", "--survey", "relationship-nps",
              "--csv", str(customers)]
    )  # fmt: skip
    assert result.exit_code == 1
    assert "needs a 'ref' column" in result.output


def test_invitations_create_refuses_a_non_utf8_file(runner, make_survey, tmp_path):
    make_survey("relationship-nps")
    customers = tmp_path / "customers.csv"
    customers.write_bytes("ref,name\nC-1,José\n".encode("latin-1"))
    result = runner.invoke(
        args=["invitations", "create", "--survey", "relationship-nps",
              "--csv", str(customers)]
    )  # fmt: skip
    assert result.exit_code == 1
    assert "not UTF-8" in result.output


def test_invitations_create_names_the_line_of_an_oversized_cell(
    runner, make_survey, tmp_path
):
    make_survey("relationship-nps")
    customers = tmp_path / "customers.csv"
    big = "x" * 200_000  # over the csv module's 131,072-character field limit
    customers.write_text(f"ref,name\nC-1,Ken\nC-2,{big}\n", encoding="utf-8")
    result = runner.invoke(
        args=["invitations", "create", "--survey", "relationship-nps",
              "--csv", str(customers)]
    )  # fmt: skip
    assert result.exit_code == 1
    assert f"{customers}, line 3: cannot read this row" in result.output
    assert "longer than 131,072 characters" in result.output
    assert "Traceback" not in result.output


def test_running_the_same_csv_twice_reuses_the_open_links(
    runner, app_ctx, make_survey, tmp_path
):
    make_survey("relationship-nps")
    customers = tmp_path / "customers.csv"
    customers.write_text("ref,name\nC-1,Ana\nC-2,Bo\nC-3,Chika\n", encoding="utf-8")
    first, _ = create_links(runner, customers)
    started = db.session.scalar(db.select(Invitation).filter_by(customer_ref="C-2"))
    db.session.add(
        SurveyResponse(
            survey=started.survey,
            version=started.survey.versions[-1],
            invitation=started,
            token="response-of-c2",
        )
    )
    expired = db.session.scalar(db.select(Invitation).filter_by(customer_ref="C-3"))
    expired.expires_at = utcnow() - timedelta(days=1)
    db.session.commit()

    second, summary = create_links(runner, customers)

    assert "2 invitation(s) created, 1 open invitation(s) reused" in summary
    assert second["C-1"] == first["C-1"]
    assert second["C-2"] != first["C-2"]  # its link was used
    assert second["C-3"] != first["C-3"]  # its link expired
    assert db.session.scalar(db.select(db.func.count(Invitation.id))) == 5


def test_new_flag_makes_fresh_links_even_when_open_ones_exist(
    runner, app_ctx, make_survey, tmp_path
):
    make_survey("relationship-nps")
    customers = tmp_path / "customers.csv"
    customers.write_text("ref,name\nC-1,Ana\n", encoding="utf-8")
    first, _ = create_links(runner, customers)

    second, summary = create_links(runner, customers, "--new")

    assert "1 invitation(s) created, 0 open invitation(s) reused" in summary
    assert second["C-1"] != first["C-1"]
    assert db.session.scalar(db.select(db.func.count(Invitation.id))) == 2
