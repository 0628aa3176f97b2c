"""Tests for analysis.labels: candidates read as whole phrases, never fragments."""

import pytest
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer

from analysis.labels import class_tfidf, terms_and_labels, unique_labels, well_formed
from analysis.themes import answer_features

# Fragments that earlier runs on banking queries and the demo chose as labels.
FRAGMENTS = [
    "cash withdrawal still",
    "international transfers take",
    "up has not gone",
    "long does it take",
    "think someone is using",
    "countries can i use",
    "training material for new",
    "features without feeling",
    "mugged yesterday and they took",
    "today urgently",
    "put it back",
    "stuck since a couple",
    "card for",
    "the card",
    "money but the balance",
    "message that my transfer",
    "card if i live",
]

PHRASES = [
    "card has not arrived",
    "refund still pending",
    "top up",
    "pending top up",
    "card payment reverted",
    "exchange rate wrong",
    "support replies slow",
    "card number",
    "cash out",
]


@pytest.mark.parametrize("fragment", FRAGMENTS)
def test_fragments_are_not_well_formed(fragment: str) -> None:
    assert not well_formed(fragment.split())


@pytest.mark.parametrize("phrase", PHRASES)
def test_whole_phrases_are_well_formed(phrase: str) -> None:
    assert well_formed(phrase.split())


def label_candidates(answers: list[str]) -> list[str]:
    """Label candidates of one theme holding all ``answers`` (no profiles)."""
    vectorizer = CountVectorizer(analyzer=answer_features, min_df=1)
    counts = vectorizer.fit_transform(answers)
    scores = class_tfidf(sparse.csr_matrix(counts.sum(axis=0)))
    features = vectorizer.get_feature_names_out()
    _, candidates = terms_and_labels(scores, 0, features, answers, n_terms=5)
    return candidates


def test_no_candidate_ends_inside_a_hyphenated_word() -> None:
    answers = [
        "Where do I find the auto-top-up option?",
        "How do I find the auto-top-up setting",
        "I can't find the auto-top-up anywhere",
    ]
    candidates = label_candidates(answers)
    assert candidates
    for candidate in candidates:
        assert not candidate.endswith(("auto-top", "auto top", "auto")), candidate
        assert not candidate.startswith(("top-up", "top up", "up")), candidate


def test_candidates_drop_trailing_adverbs_and_light_verbs() -> None:
    answers = [
        "My cash withdrawal is still pending",
        "Why is my cash withdrawal still pending?",
        "cash withdrawal still pending after two days",
        "How long do international transfers take?",
        "international transfers take ages",
    ]
    candidates = label_candidates(answers)
    assert "cash withdrawal still" not in candidates
    assert "international transfers take" not in candidates
    assert all(well_formed(c.replace("-", " ").split()) for c in candidates)


def test_no_candidate_cuts_a_phrasal_verb() -> None:
    answers = [
        "Can I use my bank card to top up?",
        "which card to top up with",
        "I used a foreign card to top up my account",
    ]
    candidates = label_candidates(answers)
    assert candidates
    assert not any(c.endswith("top") for c in candidates), candidates


def test_no_candidate_ends_where_every_answer_goes_on() -> None:
    answers = [
        "How do I receive a virtual card?",
        "when will I receive a virtual card",
        "can I receive a virtual card today",
    ]
    candidates = label_candidates(answers)
    assert "receive a virtual card" in candidates
    assert not any(c.endswith("virtual") for c in candidates), candidates


def test_words_of_time_alone_are_no_label() -> None:
    answers = [
        "My bank transfer from a couple days ago",
        "bank transfer sent a couple days ago is missing",
        "sent a transfer a couple days ago, still waiting",
    ]
    candidates = label_candidates(answers)
    assert "transfer" in candidates[0], candidates
    assert not {"couple days ago", "couple days", "days ago"} & set(candidates)


def test_a_taken_label_is_told_apart_by_a_term_that_is_a_phrase() -> None:
    labels = unique_labels(
        [["faster app"], ["faster app"]], [["faster app"], ["make", "offline mode"]]
    )
    assert labels == ["faster app", "faster app: offline mode"]


def test_labels_never_end_on_a_colon() -> None:
    labels = unique_labels([["slow app"], ["slow app"]], [["slow app"], ["make"]])
    assert labels[1] == "slow app (2)"
    assert not any(label.rstrip().endswith(":") for label in labels)


def test_a_japanese_negation_cut_mid_conjugation_takes_its_dictionary_form() -> None:
    answers = [
        "サポートは誰も教えてくれなかった",
        "結局サポートは教えてくれなかったです",
        "問い合わせても教えてくれなかった",
    ]
    candidates = label_candidates(answers)
    assert "教えてくれない" in candidates
    assert not any(c.endswith(("なかっ", "ず")) for c in candidates), candidates
