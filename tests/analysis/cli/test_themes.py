"""The themes command, ``python -m analysis themes``: its JSON, CSV and exit codes.

TF-IDF unless a test asks otherwise, so results do not depend on whether
``CAT_SURVEY_EMBEDDING_MODEL`` is set where the tests run; the semantic run uses
the session's MiniLM model (``tests/analysis/conftest.py``).
"""

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.cli.themes import cli

REPO = Path(__file__).parents[3]
SMALL_CSV = REPO / "tests" / "data" / "themes_small.csv"


def run_cli(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of ``python -m analysis themes ARGS``.

    TF-IDF unless the test asks otherwise, so the result does not depend on
    whether ``CAT_SURVEY_EMBEDDING_MODEL`` is set where the tests run.
    """
    if "--representation" not in args:
        args = [*args, "--representation", "tfidf"]
    status = cli(args)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_cli_json_has_the_documented_shape(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_cli(
        [str(SMALL_CSV), "--text-column", "text", "--id-column", "id", "--k", "3"],
        capsys,
    )
    assert status == 0
    result = json.loads(out)
    assert {"themes", "assignments"} <= set(result)
    with SMALL_CSV.open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert [a["id"] for a in result["assignments"]] == [row["id"] for row in rows]
    ids = set()
    for theme in result["themes"]:
        assert {"id", "label", "terms", "size", "quotes", "sentiment"} <= set(theme)
        assert isinstance(theme["id"], int)
        assert isinstance(theme["label"], str)
        assert theme["label"]
        assert all(isinstance(term, str) for term in theme["terms"])
        assert 3 <= len(theme["quotes"]) <= 5
        assert -1 <= theme["sentiment"] <= 1
        assigned = [a for a in result["assignments"] if a["theme"] == theme["id"]]
        assert len(assigned) == theme["size"]
        ids.add(theme["id"])
    assert ids == {0, 1, 2}
    unclear = {a["id"] for a in result["assignments"] if a["theme"] is None}
    assert {"r28", "r29"} <= unclear  # off-topic and empty answers
    assert result["unclear"] == len(unclear)


def test_cli_ids_default_to_row_numbers_from_zero(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run_cli([str(SMALL_CSV), "--k", "3"], capsys)
    assert status == 0
    ids = [a["id"] for a in json.loads(out)["assignments"]]
    assert ids == list(range(29))


def test_cli_csv_has_one_row_per_answer(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_cli(
        [str(SMALL_CSV), "--id-column", "id", "--k", "3", "--format", "csv"], capsys
    )
    assert status == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["id", "theme", "theme_label"]
    assert len(rows) == 29
    assert rows[-1] == {"id": "r29", "theme": "", "theme_label": ""}
    labels = {row["theme"]: row["theme_label"] for row in rows if row["theme"]}
    assert len(labels) == 3
    assert all(labels.values())


def test_cli_same_seed_same_output(capsys: pytest.CaptureFixture[str]) -> None:
    outputs = {run_cli([str(SMALL_CSV), "--seed", "3"], capsys)[1] for _ in range(2)}
    assert len(outputs) == 1


def test_cli_reports_theme_nps_from_a_rating_column(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run_cli(
        [str(SMALL_CSV), "--k", "3", "--id-column", "id", "--nps-column", "nps"], capsys
    )
    assert status == 0
    themes = json.loads(out)["themes"]
    staff = next(t for t in themes if "staff" in t["label"])
    assert staff["nps"] > 50
    assert staff["nps_drag"] > 0


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (b"", [], "empty"),
        (b"id,text\n", [], "no rows"),
        (b"id,answer\n1,card not arrived\n", [], "no column 'text'"),
        (b"id,text\n1,card\n", ["--id-column", "key"], "no column 'key'"),
        (b"id,text\n1,caf\xe9 service was awful\n", [], "not UTF-8"),
        (b"text\n!!!\n???\n", [], "themes need"),
        (b"text,nps\ncard,11\ncard,3\n", ["--nps-column", "nps"], "0-10"),
        (b"text\ncard\n", ["--k", "0"], "auto"),
        (b"text\ncard\n", ["--format", "xml"], "invalid choice"),
    ],
)
def test_cli_bad_input_exits_2_with_a_message(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: bytes,
    args: list[str],
    message: str,
) -> None:
    path = tmp_path / "input.csv"
    path.write_bytes(content)
    status, out, err = run_cli([str(path), *args], capsys)
    assert status == 2
    assert out == ""
    assert message in err


def test_cli_missing_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run_cli([str(tmp_path / "nope.csv")], capsys)
    assert status == 2
    assert "no such file" in err


def test_python_dash_m_analysis_themes_runs_the_cli() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "analysis", "themes", str(SMALL_CSV), "--k", "3"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)["themes"]) == 3


def test_cli_reports_the_representation_on_stderr_and_in_json(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = run_cli([str(SMALL_CSV), "--k", "3"], capsys)
    assert status == 0
    result = json.loads(out)
    assert result["representation"] == "tfidf"
    assert result["representations"] == {"en": "tfidf"}
    assert "representation: tfidf" in err


def test_cli_previous_output_keeps_the_ids_of_matching_themes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first_status, first_out, _ = run_cli([str(SMALL_CSV), "--k", "3"], capsys)
    assert first_status == 0
    earlier = json.loads(first_out)
    # Renumber the earlier themes so that keeping ids is visible.
    for theme in earlier["themes"]:
        theme["id"] += 10
    path = tmp_path / "earlier.json"
    path.write_text(json.dumps(earlier), encoding="utf-8")
    status, out, _ = run_cli(
        [str(SMALL_CSV), "--k", "3", "--seed", "5", "--previous", str(path)], capsys
    )
    assert status == 0
    again = json.loads(out)
    old = {t["label"]: t["id"] for t in earlier["themes"]}
    new = {t["label"]: t["id"] for t in again["themes"]}
    assert new == old
    assert all("centroid" in theme for theme in again["themes"])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not a readable JSON"),
        ('{"themes": [{"label": "x"}]}', "each theme needs an 'id' and a 'centroid'"),
        ("[1, 2]", "each theme needs"),
    ],
)
def test_cli_bad_previous_output_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    path = tmp_path / "earlier.json"
    path.write_text(content, encoding="utf-8")
    status, out, err = run_cli([str(SMALL_CSV), "--previous", str(path)], capsys)
    assert status == 2
    assert out == ""
    assert message in err


def test_cli_missing_model_names_the_setting_without_a_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = run_cli(
        [str(SMALL_CSV), "--representation", "semantic", "--model", "/no/model"],
        capsys,
    )
    assert status == 2
    assert out == ""
    assert "CAT_SURVEY_EMBEDDING_MODEL" in err
    assert "Traceback" not in err


def test_cli_semantic_run_says_which_representation_ran(
    embedding_model_path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run_cli(
        [str(SMALL_CSV), "--k", "3", "--representation", "auto", "--model",
         embedding_model_path],
        capsys,
    )  # fmt: skip
    assert status == 0
    assert json.loads(out)["representation"] == "semantic"
    assert "representation: semantic" in err


def test_cli_route_clusters_within_departments(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run_cli(
        [str(SMALL_CSV), "--id-column", "id", "--route", "--k", "4"], capsys
    )
    assert status == 0
    result = json.loads(out)
    for theme in result["themes"]:
        assert {"department", "best_guess", "confidence", "route_terms"} <= set(theme)
        assert theme["best_guess"]
        members = [a for a in result["assignments"] if a["theme"] == theme["id"]]
        assert len(members) == theme["size"]
        assert {a["department"] for a in members} == {theme["department"]}
    assert all("department" in a for a in result["assignments"])


def test_cli_route_with_a_bad_catalog_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog = tmp_path / "departments.yaml"
    catalog.write_text("departments: 3\n", encoding="utf-8")
    status, out, err = run_cli(
        [str(SMALL_CSV), "--route", "--catalog", str(catalog)], capsys
    )
    assert status == 2
    assert out == ""
    assert "error:" in err
