"""Tests for analysis.cli.route: ``python -m analysis route`` on CSV files.

Most tests ask for ``--representation tfidf`` so they need no embedding model; one
test runs the semantic representation with the model folder the tests ship.
"""

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.cli.route import cli
from analysis.embeddings import MODEL_SETTING

REPO = Path(__file__).resolve().parents[3]
TFIDF = ["--representation", "tfidf"]


def run_cli(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    """Run the route command; return (exit status, stdout, stderr).

    TF-IDF unless ``argv`` names a representation: most tests need no model.
    """
    status = cli(argv if "--representation" in argv else [*argv, *TFIDF])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_cli_prints_one_decision_per_row(write_file, capsys) -> None:
    path = write_file(
        "answers.csv",
        """\
        id,text
        a1,the app crashes every time I upload a file
        a2,my invoice charged me twice
        a3,ok
        """,
    )
    status, out, err = run_cli(
        [str(path), "--text-column", "text", "--id-column", "id", "--format", "json"],
        capsys,
    )
    assert (status, err) == (0, "")
    rows = json.loads(out)
    assert [row["id"] for row in rows] == ["a1", "a2", "a3"]
    assert [row["department"] for row in rows] == ["tech", "sales", None]
    for row in rows:
        assert {"id", "department", "confidence", "terms"} <= set(row)
        assert 0 <= row["confidence"] <= 1
        assert row["triage"] is (row["department"] is None)
    assert "crashes" in rows[0]["terms"]


def test_cli_numbers_rows_without_an_id_column(write_file, capsys) -> None:
    path = write_file("answers.csv", "text\nslow\ntoo expensive\n")
    status, out, _ = run_cli([str(path)], capsys)
    assert status == 0
    assert [row["id"] for row in json.loads(out)] == [1, 2]


def test_cli_uses_the_configured_embedding_model_by_default(
    write_file, capsys, embedding_model_path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MODEL_SETTING, embedding_model_path)
    path = write_file("answers.csv", "text\nI got billed for a month I cancelled\n")
    status, out, err = run_cli([str(path), "--representation", "auto"], capsys)
    assert (status, err) == (0, "")
    assert json.loads(out)[0]["best_guess"] == "sales"


def test_cli_semantic_model_that_cannot_load_exits_2(
    write_file, tmp_path: Path, capsys
) -> None:
    path = write_file("answers.csv", "text\nslow\n")
    argv = [str(path), "--representation", "semantic"]
    status, out, err = run_cli([*argv, "--model", str(tmp_path / "none")], capsys)
    assert (status, out) == (2, "")
    assert err.startswith("error: ")
    assert MODEL_SETTING in err


def test_cli_training_file_adds_labelled_examples(write_file, capsys) -> None:
    answers = write_file("answers.csv", "text\nthe monthly digest is too long\n")
    labelled = write_file(
        "labelled.csv", "text,team\nthe monthly digest is too long,outreach\n"
    )
    _, before, _ = run_cli([str(answers)], capsys)
    status, after, err = run_cli(
        [str(answers), "--train", str(labelled), "--label-column", "team"], capsys
    )
    assert (status, err) == (0, "")
    assert json.loads(before)[0]["department"] != "outreach"
    assert json.loads(after)[0]["department"] == "outreach"


def test_cli_prefers_the_catalog_in_the_current_directory(
    write_file,
    two_departments: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys,
) -> None:
    write_file("surveys/departments.yaml", two_departments)
    answers = write_file("answers.csv", "text\nwrong price on the invoice\n")
    monkeypatch.chdir(tmp_path)
    status, out, _ = run_cli([str(answers)], capsys)
    assert status == 0
    assert json.loads(out)[0]["best_guess"] == "sales"
    assert json.loads(out)[0]["runner_up"] == "tech"


def test_cli_writes_csv_when_asked(write_file, capsys) -> None:
    path = write_file("answers.csv", "text\nthe app crashes every time\n")
    status, out, _ = run_cli([str(path), "--format", "csv"], capsys)
    rows = list(csv.DictReader(out.splitlines()))
    assert status == 0
    assert rows[0]["department"] == "tech"
    assert "crashes" in rows[0]["terms"].split("; ")


@pytest.mark.parametrize(
    ("files", "extra", "message"),
    [
        ({}, [], "answers.csv: no such file"),
        (
            {"answers.csv": "comment\nslow\n"},
            [],
            "no column 'text'; columns are comment",
        ),
        ({"answers.csv": b"text\ncaf\xe9 lent\n"}, [], "not UTF-8"),
        ({"answers.csv": ""}, [], "the file is empty"),
        ({"answers.csv": "text\n"}, [], "has a header but no rows"),
        (
            {"answers.csv": "text\nslow\n", "l.csv": "text,department\nx,legal\n"},
            ["--train", "@l.csv"],
            "row 1: 'legal'",
        ),
        (
            {"answers.csv": "text\nslow\n", "l.csv": "text\nx\n"},
            ["--train", "@l.csv"],
            "no column 'department'",
        ),
        (
            {"answers.csv": "text\nslow\n", "bad.yaml": "departments: []\n"},
            ["--catalog", "@bad.yaml"],
            "bad.yaml:1: field 'departments'",
        ),
        ({"answers.csv": "text\nslow\n"}, ["--format", "xml"], "invalid choice"),
    ],
)
def test_cli_input_error_exits_2_with_a_message(
    tmp_path: Path, write_file, capsys, files: dict, extra: list[str], message: str
) -> None:
    for name, content in files.items():
        write_file(name, content)
    argv = [str(tmp_path / "answers.csv")]
    # "@name" stands for the file of that name in tmp_path.
    argv += [str(tmp_path / a[1:]) if a.startswith("@") else a for a in extra]
    status, out, err = run_cli(argv, capsys)
    assert status == 2
    assert out == ""
    assert message in err


def test_python_m_analysis_route_runs(write_file) -> None:
    path = write_file("answers.csv", "text\nmy invoice charged me twice\n")
    result = subprocess.run(
        [sys.executable, "-m", "analysis", "route", str(path), *TFIDF],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[0]["department"] == "sales"
