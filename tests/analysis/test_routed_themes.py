"""Tests for analysis.routed_themes: themes clustered within departments."""

import csv
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from analysis.routed_themes import RoutedThemes, fit_routed_themes
from analysis.routing import DepartmentRouter
from analysis.themes import UNCLEAR

LABELLED = Path(__file__).parents[2] / "tests" / "data" / "routing_labelled.csv"

# Banking complaints: no department of the catalog fits them well.
BANKING = [
    f"{subject} {predicate}"
    for subject in ("My debit card", "The replacement card", "My new card")
    for predicate in (
        "has not arrived",
        "never arrived in the post",
        "is still missing",
    )
] + [
    f"{subject} {predicate}"
    for subject in ("Where is my refund", "Still no refund", "My refund")
    for predicate in ("for the returned order", "for the cancelled order", "is late")
]


@pytest.fixture(scope="module")
def labelled() -> tuple[list[str], list[str]]:
    with LABELLED.open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    return [row["text"] for row in rows], [row["department"] for row in rows]


@pytest.fixture(scope="module")
def router(labelled: tuple[list[str], list[str]]) -> DepartmentRouter:
    """A real router, trained on the labelled CX comments."""
    return DepartmentRouter().fit(*labelled)


@pytest.fixture(scope="module")
def answers(labelled: tuple[list[str], list[str]]) -> list[str]:
    """The CX comments plus banking complaints that fit no department well."""
    return [*labelled[0], *BANKING]


@pytest.fixture(scope="module")
def routed(answers: list[str], router: DepartmentRouter) -> RoutedThemes:
    return fit_routed_themes(answers, router, representation="tfidf")


def test_every_theme_holds_answers_of_one_department(
    routed: RoutedThemes, router: DepartmentRouter, answers: list[str]
) -> None:
    alone = [decision.department for decision in router.route(answers)]
    assert routed.departments == alone  # through its theme = routed on its own
    for index, theme in enumerate(routed.themes):
        members = np.flatnonzero(routed.labels == index)
        assert len(members) == theme.size >= 3
        assert {alone[i] for i in members} == {theme.department}


def test_triage_answers_form_their_own_themes_with_a_best_guess(
    routed: RoutedThemes, router: DepartmentRouter
) -> None:
    departments = {theme.department for theme in routed.themes}
    assert None in departments  # half-trained: some answers are unsure
    assert len(departments) >= 4
    for theme in routed.themes:
        assert 0 < theme.confidence <= 1
        assert theme.best_guess in router.classes_
        if theme.department is not None:
            assert theme.best_guess == theme.department
        assert theme.route_terms


def test_ids_and_labels_are_unique_and_ordered_by_size(routed: RoutedThemes) -> None:
    ids = [theme.id for theme in routed.themes]
    labels = [theme.label for theme in routed.themes]
    assert ids == list(range(len(ids)))
    assert len(set(labels)) == len(labels)
    sizes = [theme.size for theme in routed.themes]
    assert sizes == sorted(sizes, reverse=True)
    assert set(routed.term_centroids) == set(ids)
    assert routed.representations == {"en": "tfidf"}


def test_a_given_number_of_themes_is_shared_among_departments(
    answers: list[str], router: DepartmentRouter
) -> None:
    routed = fit_routed_themes(answers, router, n_themes=20, representation="tfidf")
    per_department = Counter(theme.department for theme in routed.themes)
    assert len(per_department) == 10  # nine departments and triage
    assert 10 <= len(routed.themes) <= 22
    assert max(per_department.values()) <= 3


def test_previous_term_centroids_keep_theme_ids(
    routed: RoutedThemes, answers: list[str], router: DepartmentRouter
) -> None:
    previous = {
        theme.id + 100: routed.term_centroids[theme.id] for theme in routed.themes
    }
    again = fit_routed_themes(
        answers, router, representation="tfidf", previous=previous
    )
    assert [t.id for t in again.themes] == [t.id + 100 for t in routed.themes]


def test_unclear_answers_keep_their_own_routing(
    routed: RoutedThemes, router: DepartmentRouter, answers: list[str]
) -> None:
    decisions = router.route(answers)
    unclear = np.flatnonzero(routed.labels == UNCLEAR)
    assert unclear.size > 0
    assert all(routed.departments[i] == decisions[i].department for i in unclear)


def test_ratings_and_embeddings_must_match_the_answers(
    router: DepartmentRouter,
) -> None:
    with pytest.raises(ValueError, match="ratings has 1 entries"):
        fit_routed_themes(["a", "b"], router, ratings=[3])
    with pytest.raises(ValueError, match="embeddings has 1 entries"):
        fit_routed_themes(["a", "b"], router, embeddings=np.zeros((1, 3)))


def test_given_stances_a_theme_holds_answers_of_one_stance(
    answers: list[str], router: DepartmentRouter
) -> None:
    # Every third answer "praises" (any split will do: stances are an input).
    stances = ["praise" if i % 3 == 0 else "problem" for i in range(len(answers))]
    routed = fit_routed_themes(answers, router, stances=stances, representation="tfidf")
    alone = [decision.department for decision in router.route(answers)]
    assert routed.departments == alone
    assert {"praise", "problem"} <= {theme.stance for theme in routed.themes}
    for index, theme in enumerate(routed.themes):
        members = np.flatnonzero(routed.labels == index)
        if theme.stance is not None:
            assert {stances[i] for i in members} == {theme.stance}
        assert {routed.groups[i] for i in members} == {(theme.department, theme.stance)}
        assert {alone[i] for i in members} == {theme.department}
    assert {"praise", "problem"} <= {stance for _, stance in routed.models}
    labels = [theme.label for theme in routed.themes]
    assert len(set(labels)) == len(labels)


def test_without_stances_a_department_is_one_group(routed: RoutedThemes) -> None:
    assert {stance for _, stance in routed.models} == {None}
    assert {theme.stance for theme in routed.themes} == {None}


def test_stances_must_match_the_answers(router: DepartmentRouter) -> None:
    with pytest.raises(ValueError, match="stances has 1 entries"):
        fit_routed_themes(["a", "b"], router, stances=["praise"])


def test_a_stance_too_small_for_a_theme_leaves_its_department_themed_whole(
    router: DepartmentRouter,
) -> None:
    crashes = [f"the app crashes when I {verb}" for verb in
               ("log in", "upload", "export", "print", "search", "sync")]  # fmt: skip
    answers = [*crashes, *BANKING]
    # One crash report alone "praises": too little for a theme of its own.
    stances = ["praise"] + ["problem"] * (len(answers) - 1)
    routed = fit_routed_themes(answers, router, stances=stances, representation="tfidf")
    tech = [i for i, d in enumerate(routed.departments) if d == "tech"]
    assert {routed.groups[i] for i in tech} == {("tech", None)}
    assert ("tech", None) in routed.models
    themed = [routed.themes[routed.labels[i]] for i in tech if routed.labels[i] >= 0]
    assert themed
    assert {theme.stance for theme in themed} == {None}
