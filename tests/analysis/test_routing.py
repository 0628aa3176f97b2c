"""Tests for analysis.routing: the department catalog, the router and its CLI."""

import csv
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from analysis.routing import (
    Catalog,
    CatalogError,
    DepartmentRouter,
    cli,
    default_catalog_path,
    keyword_departments,
    load_catalog,
    parse_catalog,
    training_data,
)

REPO = Path(__file__).resolve().parents[2]
SHIPPED_CATALOG = REPO / "surveys" / "departments.yaml"
# Kana or kanji (also half-width katakana) marks an example written in Japanese.
JAPANESE_SCRIPT = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uff66-\uff9f]")
HELD_OUT = REPO / "tests" / "data" / "routing_labelled.csv"
SLUGS = (
    "cx",
    "ui-design",
    "sales",
    "marketing",
    "outreach",
    "branding",
    "tech",
    "product",
    "client-success",
)
TWO_DEPARTMENTS = """\
departments:
  - slug: tech
    name: Tech
    examples: ["the app crashes", "error on login"]
  - slug: sales
    name: Sales
    examples: ["price too high", "wrong invoice"]
"""


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    """The shipped department catalog."""
    return load_catalog(SHIPPED_CATALOG)


@pytest.fixture(scope="module")
def router(catalog: Catalog) -> DepartmentRouter:
    """A router trained on the shipped catalog alone."""
    return DepartmentRouter().fit(*training_data(catalog))


@pytest.fixture(scope="module")
def held_out() -> tuple[list[str], list[str]]:
    """The labelled comments that are never trained on: (texts, departments)."""
    with HELD_OUT.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    return [row["text"] for row in rows], [row["department"] for row in rows]


@pytest.fixture
def write_file(tmp_path: Path):
    """Return a function writing text (dedented) or bytes to a file in tmp_path."""

    def write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")
        return path

    return write


# --- catalog ---------------------------------------------------------------------

CATALOG_MISTAKES = [
    pytest.param(
        """\
        departments:
          - name: Tech
            examples: [crash]
          - {slug: sales, name: Sales, examples: [price]}
        """,
        ["line 2", "department #1", "field 'slug'", "expected text, got nothing"],
        id="missing-slug",
    ),
    pytest.param(
        """\
        departments:
          - slug: tech
            examples: [crash]
          - {slug: sales, name: Sales, examples: [price]}
        """,
        ["line 2", "department 'tech'", "field 'name'", "expected text, got nothing"],
        id="missing-name",
    ),
    pytest.param(
        """\
        departments:
          - {slug: tech, name: Tech, examples: [crash]}
          - {slug: sales, name: Sales, examples: [price]}
          - {slug: tech, name: Tech again, examples: [bug]}
        """,
        ["line 4", "department 'tech'", "field 'slug'", "unique slug", "line 2"],
        id="duplicate-slug",
    ),
    pytest.param(
        """\
        departments:
          - {slug: tech, name: Tech, examples: [crash]}
          - slug: Client Success
            name: Client success
            examples: [onboarding]
        """,
        ["line 3", "department 'Client Success'", "field 'slug'", "lower-case"],
        id="bad-slug-format",
    ),
    pytest.param(
        """\
        departments:
          - {slug: tech, name: Tech, examples: [crash]}
          - slug: sales
            name: Sales
            examples: []
        """,
        ["line 5", "department 'sales'", "field 'examples'", "got an empty list"],
        id="empty-examples",
    ),
    pytest.param(
        """\
        departments:
          - {slug: tech, name: Tech, examples: [crash]}
          - slug: sales
            name: Sales
            examples: too expensive
        """,
        ["line 5", "department 'sales'", "field 'examples'", "a list of phrases"],
        id="examples-not-a-list",
    ),
    pytest.param(
        """\
        departments:
          - {slug: tech, name: Tech, examples: [crash]}
          - slug: sales
            name: Sales
            keywords: [price, 404]
            examples: [too expensive]
        """,
        ["line 5", "department 'sales'", "field 'keywords'", "got a number"],
        id="keyword-not-text",
    ),
    pytest.param(
        """\
        departments:
          - {slug: tech, name: 42, examples: [crash]}
          - {slug: sales, name: Sales, examples: [price]}
        """,
        ["line 2", "department 'tech'", "field 'name'", "expected text, got a number"],
        id="name-not-text",
    ),
    pytest.param(
        """\
        departments:
          - {slug: tech, name: Tech, examples: [crash]}
          - slug: sales
            name: Sales
            exmaples: [too expensive]
        """,
        ["line 5", "department 'sales'", "field 'exmaples'", "unknown field"],
        id="unknown-field",
    ),
    pytest.param(
        """\
        departments:
          slug: tech
        """,
        ["line 2", "field 'departments'", "expected a list, got a mapping"],
        id="departments-not-a-list",
    ),
    pytest.param(
        """\
        departments:
          - {slug: tech, name: Tech, examples: [crash]}
        """,
        ["line 2", "field 'departments'", "at least two departments"],
        id="one-department",
    ),
    pytest.param("", ["departments", "empty file"], id="empty-file"),
]


@pytest.mark.parametrize(("content", "fragments"), CATALOG_MISTAKES)
def test_catalog_mistake_names_file_line_department_and_field(
    write_file, content: str, fragments: list[str]
) -> None:
    path = write_file("departments.yaml", content)
    with pytest.raises(CatalogError) as raised:
        load_catalog(path)
    message = next(
        (m for m in raised.value.errors if all(f in m for f in fragments)), None
    )
    assert message is not None, raised.value.errors
    assert message.startswith(str(path))


def test_bad_yaml_is_reported_with_its_line(write_file) -> None:
    path = write_file(
        "departments.yaml",
        """\
        departments:
          - slug: tech
            name: Tech
            examples: ["crash", "bug"
          - slug: sales
        """,
    )
    with pytest.raises(CatalogError, match=r"line [45]: not valid YAML") as raised:
        load_catalog(path)
    assert str(path) in str(raised.value)


def test_every_mistake_is_reported_at_once(write_file) -> None:
    path = write_file(
        "departments.yaml",
        """\
        departments:
          - {slug: Tech, name: Tech, examples: [crash]}
          - {slug: sales, examples: []}
        """,
    )
    with pytest.raises(CatalogError) as raised:
        load_catalog(path)
    fields = {re.search(r"field '(\w+)'", m)[1] for m in raised.value.errors}
    assert fields == {"slug", "name", "examples"}
    assert str(raised.value) == "\n".join(raised.value.errors)
    assert isinstance(raised.value, ValueError)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "file not found"),
        (b"departments:\n  - slug: caf\xe9\n", "not UTF-8"),
    ],
)
def test_unreadable_catalog_file_is_a_catalog_error(
    tmp_path: Path, write_file, content: bytes | None, expected: str
) -> None:
    path = tmp_path / "missing.yaml"
    if content is not None:
        path = write_file("latin1.yaml", content)
    with pytest.raises(CatalogError, match=expected) as raised:
        load_catalog(path)
    assert str(path) in raised.value.errors[0]


def test_valid_catalog_keeps_order_and_defaults_optional_fields() -> None:
    catalog = parse_catalog(TWO_DEPARTMENTS)
    assert catalog.slugs == ("tech", "sales")
    tech = catalog.department("tech")
    assert (tech.description, tech.keywords) == ("", ())
    assert tech.examples == ("the app crashes", "error on login")
    with pytest.raises(KeyError):
        catalog.department("legal")


def test_shipped_catalog_has_the_nine_departments(catalog: Catalog) -> None:
    assert catalog.slugs == SLUGS
    for department in catalog.departments:
        assert department.name
        assert department.description
        assert department.keywords
        japanese = [e for e in department.examples if JAPANESE_SCRIPT.search(e)]
        english_count = len(department.examples) - len(japanese)
        assert 25 <= english_count <= 40, department.slug
        assert 25 <= len(japanese) <= 40, department.slug


def test_default_catalog_is_found_from_any_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert default_catalog_path() == SHIPPED_CATALOG


def test_held_out_set_is_labelled_thirty_per_department(held_out) -> None:
    _, departments = held_out
    assert {d: departments.count(d) for d in SLUGS} == dict.fromkeys(SLUGS, 30)
    assert len(departments) == len(SLUGS) * 30


def test_held_out_comments_are_not_in_the_catalog(catalog: Catalog, held_out) -> None:
    def words(text: str) -> set[str]:
        return set(re.findall(r"\w+", text.lower()))

    # Keywords are single terms a short answer may well repeat; sentences must not.
    training = [
        words(text)
        for department in catalog.departments
        for text in (department.description, *department.examples)
    ]
    for comment in held_out[0]:
        comment_words = words(comment)
        closest = max(len(comment_words & t) / len(comment_words | t) for t in training)
        assert closest < 0.6, comment


# --- training data ---------------------------------------------------------------


def test_training_data_uses_description_keywords_examples_and_corrections() -> None:
    catalog = parse_catalog(
        """\
        departments:
          - slug: tech
            name: Tech
            description: Bugs and outages.
            keywords: [bug]
            examples: [it crashes]
          - {slug: sales, name: Sales, examples: [too expensive]}
        """
    )
    texts, labels = training_data(catalog, [("wrong invoice", "sales")])
    assert list(zip(texts, labels, strict=True)) == [
        ("Bugs and outages.", "tech"),
        ("bug", "tech"),
        ("it crashes", "tech"),
        ("too expensive", "sales"),
        ("wrong invoice", "sales"),
    ]


def test_correction_to_unknown_department_is_refused() -> None:
    with pytest.raises(ValueError, match=r"'legal'.*not in the catalog"):
        training_data(parse_catalog(TWO_DEPARTMENTS), [("the terms", "legal")])


# --- router contract -------------------------------------------------------------


def test_router_follows_the_estimator_contract(catalog: Catalog) -> None:
    texts, labels = training_data(catalog)
    router = DepartmentRouter(min_confidence=0.3, C=5.0)
    with pytest.raises(NotFittedError):
        router.predict(["anything"])
    assert router.fit(texts, labels) is router
    assert router.get_params()["min_confidence"] == 0.3
    assert sorted(router.classes_) == sorted(SLUGS)
    twin = clone(router)
    assert twin.get_params() == router.get_params()
    assert not hasattr(twin, "classes_")
    sample = ["the app is slow", "too expensive", "great webinar"]
    np.testing.assert_array_equal(
        twin.fit(texts, labels).predict_proba(sample), router.predict_proba(sample)
    )


def test_probabilities_cover_every_department_and_sum_to_one(router) -> None:
    probabilities = router.predict_proba(["the app is slow", "", "my invoice"])
    assert probabilities.shape == (3, len(SLUGS))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)


@pytest.mark.parametrize(
    ("text", "department"),
    [
        ("the app crashes every time I upload a file", "tech"),
        ("my invoice charged me twice", "sales"),
        ("I waited an hour on the phone to talk to someone", "cx"),
        ("the menu is confusing and I can't find anything", "ui-design"),
        ("please add a calendar view", "product"),
        ("the webinar last week was great", "outreach"),
        ("your new logo is ugly", "branding"),
        ("way too many marketing emails", "marketing"),
        ("our account manager never calls us", "client-success"),
    ],
)
def test_obvious_comment_routes_to_its_department(
    router: DepartmentRouter, text: str, department: str
) -> None:
    [decision] = router.route([text])
    assert decision.department == department
    assert not decision.needs_triage
    assert decision.confidence >= router.min_confidence
    assert decision.runner_up != department
    assert decision.terms


def test_router_beats_keyword_matching_on_held_out_comments(
    catalog: Catalog, router: DepartmentRouter, held_out
) -> None:
    texts, truth = held_out
    predicted = router.predict(texts)
    keywords = keyword_departments(texts, catalog)
    router_accuracy = np.mean(predicted == np.array(truth))
    keyword_accuracy = np.mean([k == t for k, t in zip(keywords, truth, strict=True)])
    assert router_accuracy >= 0.70
    assert router_accuracy > keyword_accuracy + 0.05


# --- triage ----------------------------------------------------------------------


@pytest.mark.parametrize("text", ["ok", "", "zzz qqq"])
def test_comment_without_evidence_goes_to_triage(router, text: str) -> None:
    [decision] = router.route([text])
    assert decision.needs_triage
    assert decision.department is None
    assert decision.best_guess in SLUGS
    assert decision.confidence < router.min_confidence


def test_two_close_departments_go_to_triage() -> None:
    texts = ["the app crashes", "app error", "the invoice is late", "invoice wrong"]
    labels = ["tech", "tech", "sales", "sales"]
    router = DepartmentRouter(min_confidence=0.0).fit(texts, labels)
    [decision] = router.route(["crashes and invoice"])
    assert decision.needs_triage
    assert decision.department is None
    assert {decision.best_guess, decision.runner_up} == {"tech", "sales"}
    assert decision.confidence - decision.runner_up_confidence < router.min_margin


@pytest.mark.parametrize(
    ("min_confidence", "min_margin", "triaged"),
    [(0.45, 0.10, False), (0.999, 0.10, True), (0.0, 0.999, True), (0.0, 0.0, False)],
)
def test_triage_thresholds_are_configurable(
    catalog: Catalog, min_confidence: float, min_margin: float, triaged: bool
) -> None:
    router = DepartmentRouter(min_confidence=min_confidence, min_margin=min_margin)
    router.fit(*training_data(catalog))
    [decision] = router.route(["my invoice charged me twice"])
    assert decision.needs_triage is triaged
    assert decision.best_guess == "sales"
    assert decision.department == (None if triaged else "sales")


# --- themes ----------------------------------------------------------------------


def test_theme_is_routed_by_mean_probability_of_its_answers(router) -> None:
    answers = [
        "the dashboard takes forever to load",
        "constant timeouts when saving",
        "the app crashed twice today",
        "please add a dark theme",
    ]
    decision = router.route_theme(answers)
    mean = router.predict_proba(answers).mean(axis=0)
    assert decision.best_guess == "tech"
    assert decision.confidence == pytest.approx(mean.max())
    assert decision.runner_up_confidence == pytest.approx(np.sort(mean)[-2])


def test_theme_evidence_outweighs_a_single_stray_answer(router) -> None:
    answers = ["too expensive", "the price went up again", "hidden fees", "slow app"]
    assert router.route_theme(answers).department == "sales"


def test_theme_of_one_answer_decides_like_that_answer(router) -> None:
    text = "the newsletter comes every day"
    assert router.route_theme([text]) == router.route([text])[0]


def test_theme_without_answers_is_refused(router) -> None:
    with pytest.raises(ValueError, match="at least one answer"):
        router.route_theme([])


# --- explanations ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "department"),
    [
        ("The app crashes every time I upload a file!", "tech"),
        ("I was charged twice on my last invoice", "sales"),
        ("We waited on hold for ages and nobody answered", "cx"),
    ],
)
def test_explanation_terms_are_words_of_the_text(
    router, text: str, department: str
) -> None:
    terms = router.explain(text, department)
    words = re.findall(r"\w+", text.lower())
    assert terms
    assert len(terms) <= 5
    for term in terms:
        assert term in " ".join(words), term
        assert not {"the", "i", "on", "my", "and", "was", "we"} & set(term.split())


def test_explanation_lists_only_words_that_push_toward_the_department(router) -> None:
    assert "crashes" in router.explain("the app crashes", "tech")
    assert "crashes" not in router.explain("the app crashes", "branding")
    assert router.explain("zzz qqq", "tech") == []
    assert len(router.explain("slow crash error outage bug api", "tech", top=2)) == 2


def test_explaining_an_unknown_department_is_refused(router) -> None:
    with pytest.raises(ValueError, match="unknown department 'legal'"):
        router.explain("anything", "legal")


# --- corrections -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "corrected"),
    [
        ("the monthly digest is too long", "outreach"),
        ("the status emails are confusing", "tech"),
        ("reports in the app are slow to export", "product"),
    ],
)
def test_advocate_correction_moves_the_phrase(
    catalog: Catalog, router: DepartmentRouter, text: str, corrected: str
) -> None:
    assert router.predict([text])[0] != corrected
    retrained = DepartmentRouter().fit(*training_data(catalog, [(text, corrected)]))
    assert retrained.route([text])[0].department == corrected


# --- keyword baseline ------------------------------------------------------------


def test_keyword_baseline_counts_whole_words_and_plurals() -> None:
    catalog = parse_catalog(
        """\
        departments:
          - {slug: tech, name: Tech, keywords: [bug, api], examples: [x]}
          - {slug: sales, name: Sales, keywords: [invoice, price], examples: [x]}
        """
    )
    texts = ["bugs in the API", "invoices", "a debugger", "price bug", "hello"]
    assert keyword_departments(texts, catalog) == ["tech", "sales", None, "tech", None]


# --- command line ----------------------------------------------------------------


def run_cli(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    """Run the route command; return (exit status, stdout, stderr)."""
    status = cli(argv)
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
    write_file, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    write_file("surveys/departments.yaml", TWO_DEPARTMENTS)
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
            "bad.yaml, line 1, field 'departments'",
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
        [sys.executable, "-m", "analysis", "route", str(path), "--format", "json"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[0]["department"] == "sales"
