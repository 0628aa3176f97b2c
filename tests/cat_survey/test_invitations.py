"""``invitations create``: personal links from a customer CSV, refusals explained."""

import csv
import io

from cat_survey.db import db
from cat_survey.models import Invitation


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
    assert "2 invitation(s) created, 3 row(s) refused" in result.output
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
