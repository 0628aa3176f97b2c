"""Tests for analysis.routing: the router, its triage, explanations and baseline.

Most tests run for both representations: ``tfidf`` (no model needed) and
``semantic`` (sentence embeddings from the model folder the tests ship, see
``conftest.py``).
"""

import csv
import pickle
import re
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from analysis.catalog import Catalog, load_catalog, parse_catalog, training_data
from analysis.embeddings import EmbeddingUnavailable
from analysis.routing import (
    DepartmentRouter,
    RouterParams,
    build_router,
    keyword_departments,
)
from analysis.text import tokenise

REPO = Path(__file__).resolve().parents[2]
SHIPPED_CATALOG = REPO / "surveys" / "departments.yaml"
HELD_OUT = REPO / "tests" / "data" / "routing_labelled.csv"
JAPANESE_HELD_OUT = REPO / "tests" / "data" / "ja_comments.csv"
ASSISTANT_QUERIES = REPO / "tests" / "data" / "routing_assistant_queries.csv"
# The shipped departments; test_catalog.py pins their names and order.
SLUGS = load_catalog(SHIPPED_CATALOG).slugs


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    """The shipped department catalog."""
    return load_catalog(SHIPPED_CATALOG)


@pytest.fixture(scope="module", params=["tfidf", "semantic"])
def representation(request: pytest.FixtureRequest) -> dict[str, str | None]:
    """Router parameters for each representation (semantic: the shipped model)."""
    if request.param == "tfidf":
        return {"representation": "tfidf", "model": None}
    model = request.getfixturevalue("embedding_model_path")
    return {"representation": "semantic", "model": model}


@pytest.fixture(scope="module")
def router(catalog: Catalog, representation: dict) -> DepartmentRouter:
    """A router trained on the shipped catalog alone."""
    return build_router(catalog, **representation)


@pytest.fixture(scope="module")
def held_out() -> tuple[list[str], list[str]]:
    """The labelled comments that are never trained on: (texts, departments)."""
    with HELD_OUT.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    return [row["text"] for row in rows], [row["department"] for row in rows]


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


# --- router contract -------------------------------------------------------------


def test_router_follows_the_estimator_contract(
    catalog: Catalog, representation: dict
) -> None:
    texts, labels = training_data(catalog)
    router = DepartmentRouter(**representation, min_confidence=0.3, C=5.0)
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


def test_router_params_type_lists_every_pass_through_parameter() -> None:
    # build_router's **params are typed by RouterParams; a new router parameter
    # missing there would be rejected by the type checker at every call.
    passed_through = set(DepartmentRouter().get_params()) - {"representation", "model"}
    assert set(RouterParams.__annotations__) == passed_through


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
    # An embedding finds a department for anything; no word of the text does.
    assert not decision.terms


def test_two_close_departments_go_to_triage() -> None:
    texts = ["the app crashes", "app error", "the invoice is late", "invoice wrong"]
    labels = ["tech", "tech", "sales", "sales"]
    router = DepartmentRouter(representation="tfidf", min_confidence=0.0)
    router.fit(texts, labels)
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
    catalog: Catalog,
    representation: dict,
    min_confidence: float,
    min_margin: float,
    triaged: bool,
) -> None:
    router = build_router(
        catalog,
        **representation,
        min_confidence=min_confidence,
        min_margin=min_margin,
    )
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
    catalog: Catalog,
    representation: dict,
    router: DepartmentRouter,
    text: str,
    corrected: str,
) -> None:
    assert router.predict([text])[0] != corrected
    retrained = build_router(catalog, [(text, corrected)], **representation)
    assert retrained.route([text])[0].department == corrected


def test_build_router_learns_every_correction(
    catalog: Catalog, representation: dict
) -> None:
    corrections = [
        ("the monthly digest is too long", "outreach"),
        ("the status emails are confusing", "tech"),
    ]
    router = build_router(catalog, corrections, **representation, min_margin=0.2)
    decisions = router.route([text for text, _ in corrections])
    assert [d.department for d in decisions] == ["outreach", "tech"]
    assert router.representation_ == representation["representation"]
    with pytest.raises(ValueError, match="'legal'"):
        build_router(catalog, [("the terms", "legal")], **representation)


# --- pickling and representations ----------------------------------------------


def test_fitted_router_pickles_with_the_model_name_not_the_model(router) -> None:
    data = pickle.dumps(router)
    restored = pickle.loads(data)
    sample = ["the app is slow", "too expensive", "請求書の金額が間違っています"]
    np.testing.assert_allclose(
        restored.predict_proba(sample), router.predict_proba(sample)
    )
    assert restored.model_ == router.model_
    # The embedding model weighs about 90 MB; the router stays small.
    assert len(data) < 5_000_000


def test_semantic_router_stores_the_model_it_used(
    catalog: Catalog, embedding_model_path: str
) -> None:
    router = build_router(catalog, representation="auto", model=embedding_model_path)
    assert (router.representation_, router.model_) == (
        "semantic",
        embedding_model_path,
    )


def test_unavailable_model_falls_back_to_tfidf_only_when_auto(
    catalog: Catalog, tmp_path: Path
) -> None:
    missing = str(tmp_path / "no-model")
    router = build_router(catalog, representation="auto", model=missing)
    assert (router.representation_, router.model_) == ("tfidf", None)
    with pytest.raises(EmbeddingUnavailable):
        build_router(catalog, representation="semantic", model=missing)


# --- Japanese --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "department"),
    [
        ("サポートに電話しても全然つながらない", "cx"),
        ("請求書の金額が間違っています", "sales"),
        ("アプリがすぐに落ちてしまう", "tech"),
        ("メニューの場所が分かりにくい", "ui-design"),
    ],
)
def test_japanese_comment_routes_to_its_department(
    router: DepartmentRouter, text: str, department: str
) -> None:
    [decision] = router.route([text])
    assert decision.best_guess == department
    # Terms are the text's own words (Japanese ones in dictionary form).
    words = set(tokenise(text))
    assert decision.terms
    assert all(set(term.split()) <= words for term in decision.terms)


def test_japanese_held_out_comments_are_mostly_routed_right(
    router: DepartmentRouter,
) -> None:
    with JAPANESE_HELD_OUT.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    predicted = router.predict([row["text"] for row in rows])
    accuracy = np.mean(predicted == np.array([row["department"] for row in rows]))
    assert len(rows) >= 150
    assert accuracy >= 0.78


@pytest.fixture(scope="module")
def assistant_queries() -> tuple[list[str], list[str]]:
    """Requests typed into a company's chat assistant: (texts, departments)."""
    with ASSISTANT_QUERIES.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    return [row["text"] for row in rows], [row["department"] for row in rows]


def test_assistant_queries_are_labelled_fifteen_per_department_and_held_out(
    catalog: Catalog, assistant_queries
) -> None:
    texts, departments = assistant_queries
    assert {d: departments.count(d) for d in SLUGS} == dict.fromkeys(SLUGS, 15)
    catalog_texts = {
        text.lower()
        for department in catalog.departments
        for text in (department.description, *department.examples)
    }
    assert not {text.lower() for text in texts} & catalog_texts


def test_assistant_queries_are_mostly_routed_right(
    router: DepartmentRouter, assistant_queries
) -> None:
    # Questions and commands ("is the service down right now") rather than
    # feedback: the catalog, written as feedback, must still cover them.
    texts, departments = assistant_queries
    accuracy = np.mean(router.predict(texts) == np.array(departments))
    assert accuracy >= 0.80


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
