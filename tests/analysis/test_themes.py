"""Tests for analysis.themes: the ThemeModel contract, evidence and identity.

Most tests run the dependency-light ``tfidf`` representation; the ``semantic`` ones
use the session's MiniLM encoder (``tests/analysis/conftest.py``) and are skipped,
with the reason, where sentence-transformers is not installed.
"""

import csv
import random
import re
from pathlib import Path

import joblib
import numpy as np
import pytest
from scipy import sparse
from sklearn.base import clone
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.metrics import adjusted_rand_score

from analysis.labels import (
    ThemeProfiles,
    class_tfidf,
    names_theme,
    terms_and_labels,
)
from analysis.scores import nps
from analysis.sentiment import default_model, sentiment_scores
from analysis.text import HEDGES, STOP_WORDS, content_words, normalise
from analysis.themes import (
    UNCLEAR,
    Theme,
    ThemeModel,
    answer_features,
    match_themes,
)

REPO = Path(__file__).parents[2]
SMALL_CSV = REPO / "tests" / "data" / "themes_small.csv"

# Planted themes: every answer is a subject + a predicate + a tail of one theme.
PLANTED = {
    "card": (
        ["my card", "the new card", "my replacement card", "the debit card"],
        ["has not arrived", "still has not arrived", "never arrived", "did not arrive"],
        ["", " after two weeks", " yet", " in the post"],
    ),
    "app": (
        ["the app", "your mobile app", "the banking app"],
        ["keeps crashing", "crashes on login", "crashed after the update", "crashes"],
        ["", " every day", " on my phone", " again"],
    ),
    "refund": (
        ["I am still waiting for my refund", "where is my refund", "my refund"],
        ["for the returned order", "for the cancelled order", "of the order"],
        ["", " please", " is late"],
    ),
    "staff": (
        ["friendly staff", "great service", "helpful support staff"],
        ["and great service", "and friendly people", "thank you"],
        ["", " as always", " today"],
    ),
}


def planted_corpus(
    themes: tuple[str, ...] = ("card", "app", "refund", "staff"),
    *,
    per_theme: int = 15,
    seed: int = 0,
) -> tuple[list[str], list[str]]:
    """Distinct answers and their planted theme names, in a shuffled order."""
    rng = random.Random(seed)
    rows = []
    for name in themes:
        subjects, predicates, tails = PLANTED[name]
        answers: set[str] = set()
        while len(answers) < per_theme:
            answer = (
                f"{rng.choice(subjects)} {rng.choice(predicates)}{rng.choice(tails)}"
            )
            answers.add(answer[0].upper() + answer[1:])
        rows += [(answer, name) for answer in sorted(answers)]
    rng.shuffle(rows)
    return [text for text, _ in rows], [name for _, name in rows]


@pytest.fixture(scope="module")
def corpus() -> tuple[list[str], list[str]]:
    return planted_corpus()


@pytest.fixture(scope="module")
def model(corpus: tuple[list[str], list[str]]) -> ThemeModel:
    return ThemeModel(representation="tfidf").fit(corpus[0])


def planted_name(model: ThemeModel, truth: list[str], index: int) -> str:
    """The planted theme most of theme ``index``'s answers come from."""
    names = [truth[i] for i in np.flatnonzero(model.labels_ == index)]
    return max(set(names), key=names.count)


# ------------------------------------------------------------------ features


def test_answer_features_keep_negation_in_words_and_pairs() -> None:
    negated, plain = answer_features("not working"), answer_features("working")
    assert negated == ["not", "work", "not work"]
    assert plain == ["work"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("card card", ["card", "card"]),
        ("the and of", []),
        ("", []),
        ("arrived card", ["arriv", "card", "arriv card"]),
        ("card arrived", ["card", "arriv", "arriv card"]),
    ],
)
def test_answer_features_pairs_are_unordered_and_never_self(
    text: str, expected: list[str]
) -> None:
    assert answer_features(text) == expected


def test_skip_bigrams_stop_at_the_window() -> None:
    words = " ".join(f"w{chr(97 + i)}x" for i in range(12))  # 12 distinct words
    pairs = [f for f in answer_features(words) if " " in f]
    assert "wax whx" in pairs  # 7 words apart: inside the window of 8
    assert "wax wix" not in pairs  # 8 apart: outside


# ------------------------------------------------------------ model contract


def test_finds_the_planted_themes(
    model: ThemeModel, corpus: tuple[list[str], list[str]]
) -> None:
    texts, truth = corpus
    assert model.n_themes_ == 4
    assert adjusted_rand_score(truth, model.labels_) > 0.95
    assert [theme.id for theme in model.themes_] == [0, 1, 2, 3]
    sizes = [theme.size for theme in model.themes_]
    assert sizes == sorted(sizes, reverse=True)
    assert sum(sizes) + int((model.labels_ == UNCLEAR).sum()) == len(texts)


def test_clone_and_refit_gives_the_same_labels_and_themes(
    model: ThemeModel, corpus: tuple[list[str], list[str]]
) -> None:
    twin = clone(model)
    assert twin.get_params() == model.get_params()
    assert not hasattr(twin, "labels_")
    twin.fit(corpus[0])
    np.testing.assert_array_equal(twin.labels_, model.labels_)
    assert twin.themes_ == model.themes_


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_fitting_is_deterministic_for_a_seed(
    seed: int, corpus: tuple[list[str], list[str]]
) -> None:
    first = ThemeModel(representation="tfidf", random_state=seed).fit(corpus[0])
    second = ThemeModel(representation="tfidf", random_state=seed).fit(corpus[0])
    np.testing.assert_array_equal(first.labels_, second.labels_)
    np.testing.assert_allclose(
        first.spaces_["en"].centroids, second.spaces_["en"].centroids, atol=1e-9
    )
    assert first.themes_ == second.themes_
    assert adjusted_rand_score(corpus[1], first.labels_) > 0.95


def test_fit_stores_parameters_unchanged_and_returns_self() -> None:
    model = ThemeModel(n_themes=3, min_similarity=0.25, random_state=4)
    texts, _ = planted_corpus(("card", "app", "refund"))
    assert model.fit(texts) is model
    assert model.get_params()["n_themes"] == 3
    assert model.n_themes_ == 3
    assert model.k_scores_ == {}


def test_auto_k_is_the_most_stable_candidate_and_the_score_peaks(
    model: ThemeModel,
) -> None:
    scores = model.k_scores_["en"]
    assert min(scores) == 2
    assert scores[4] == max(scores.values())
    # A criterion that can peak: too few and too many themes both reproduce worse.
    assert scores[2] < scores[4] - 0.1
    assert max(scores) > 4
    assert scores[max(scores)] < scores[4] - 0.1


def test_predict_on_training_texts_equals_labels(
    model: ThemeModel, corpus: tuple[list[str], list[str]]
) -> None:
    labels, similarities = model.predict_with_similarity(corpus[0])
    np.testing.assert_array_equal(labels, model.labels_)
    np.testing.assert_allclose(similarities, model.similarities_)


@pytest.mark.parametrize(
    ("answer", "planted"),
    [
        ("My new card still has not arrived in the post", "card"),
        ("The app crashes every time I log in", "app"),
        ("Still no refund for my returned order", "refund"),
        ("Really friendly staff, great service", "staff"),
    ],
)
def test_predict_assigns_new_answers_to_the_existing_theme(
    model: ThemeModel, corpus: tuple[list[str], list[str]], answer: str, planted: str
) -> None:
    (index,) = model.predict([answer])
    assert index != UNCLEAR
    assert planted_name(model, corpus[1], index) == planted


def test_predict_of_nothing_is_empty(model: ThemeModel) -> None:
    assert model.predict([]).shape == (0,)


@pytest.mark.parametrize("outlier", ["Zebras and giraffes", "", "!!!", "the and of to"])
def test_answer_without_known_words_is_unclear(model: ThemeModel, outlier: str) -> None:
    labels, similarities = model.predict_with_similarity([outlier])
    assert labels.tolist() == [UNCLEAR]
    assert similarities.tolist() == [0.0]


def test_answer_without_known_words_is_unclear_even_with_no_threshold(
    corpus: tuple[list[str], list[str]],
) -> None:
    lenient = ThemeModel(representation="tfidf", min_similarity=0.0, min_words=1).fit(
        corpus[0]
    )
    assert lenient.predict(["Zebras and giraffes", "the card"]).tolist()[0] == UNCLEAR
    assert lenient.predict(["the card"]).tolist() != [UNCLEAR]


def test_off_topic_training_answers_go_to_unclear_not_into_a_theme(
    corpus: tuple[list[str], list[str]],
) -> None:
    # No word in common with the planted themes ("today" or "week" would be:
    # planted answers end with them, and a theme keeps an answer as close to it
    # as its own members are).
    off_topic = [
        "The weather in Paris is lovely",
        "Lovely weather in Paris this spring",
    ]
    fitted = ThemeModel(representation="tfidf", n_themes=4)
    fitted.fit([*corpus[0], *off_topic])
    assert fitted.labels_[-2:].tolist() == [UNCLEAR, UNCLEAR]
    assert fitted.n_themes_ == 4
    assert adjusted_rand_score(corpus[1], fitted.labels_[:-2]) > 0.95
    assert all("paris" not in " ".join(t.terms) for t in fitted.themes_)


@pytest.mark.parametrize(
    "generic",
    ["No, all good so far.", "n/a", "Nothing really, it went well.", "Card?",
     "Honestly, mostly fine.", "特にありません。順調でした。"],
)  # fmt: skip
def test_short_or_generic_answers_are_unclear_in_fit_and_predict(
    corpus: tuple[list[str], list[str]], generic: str
) -> None:
    fitted = ThemeModel(representation="tfidf").fit(
        [*corpus[0], generic, generic, generic]
    )
    assert fitted.labels_[-3:].tolist() == [UNCLEAR] * 3
    assert fitted.predict([generic]).tolist() == [UNCLEAR]
    assert ThemeModel(representation="tfidf", min_words=1).fit(corpus[0]).predict(
        ["card?"]
    ).tolist() != [-1]


def test_hedged_answers_still_group_by_topic_and_hedges_never_label() -> None:
    texts, truth = planted_corpus()
    rng = random.Random(1)
    openers = ["", "Honestly, ", "Frankly, ", "Small thing, but ", "Mostly great, but "]
    closers = ["", " Otherwise great.", " The rest is great.", " Honestly frustrating."]
    hedged = [f"{rng.choice(openers)}{t}.{rng.choice(closers)}" for t in texts]
    fitted = ThemeModel(representation="tfidf", n_themes=4).fit(hedged)
    assert adjusted_rand_score(truth, fitted.labels_) > 0.9
    for theme in fitted.themes_:
        assert not set(theme.label.split()) & HEDGES, theme.label
        assert not any(set(term.split()) & HEDGES for term in theme.terms)


JAPANESE_INVOICE = [
    "請求書の金額が間違っています。",
    "率直に言って、請求書の金額がまた間違っていました。",
    "請求書の金額が違います。",
    "正直なところ、請求書の金額の修正に時間がかかりました。",
    "請求書の金額が毎月間違っています。",
    "請求書の金額を確認してください。",
]


def test_japanese_answers_form_their_own_theme_labelled_with_their_words(
    corpus: tuple[list[str], list[str]],
) -> None:
    texts = [*corpus[0], *JAPANESE_INVOICE]
    fitted = ThemeModel(representation="tfidf").fit(texts)
    japanese = fitted.labels_[-len(JAPANESE_INVOICE) :]
    assert len(set(japanese.tolist())) == 1
    assert japanese[0] != UNCLEAR
    assert not set(fitted.labels_[: -len(JAPANESE_INVOICE)].tolist()) & {japanese[0]}
    label = fitted.themes_[japanese[0]].label
    # A phrase the answers wrote, with both of its words, never a broken bigram.
    assert label == "請求書の金額"
    assert sum(label in text for text in JAPANESE_INVOICE) >= 4
    assert fitted.representations_ == {"en": "tfidf", "ja": "tfidf"}
    assert "請求書" in answer_features(JAPANESE_INVOICE[0])


def test_labels_are_phrases_that_member_answers_contain(
    model: ThemeModel, corpus: tuple[list[str], list[str]]
) -> None:
    texts, _ = corpus
    for index, theme in enumerate(model.themes_):
        members = [normalise(texts[i]) for i in np.flatnonzero(model.labels_ == index)]
        assert sum(theme.label in member for member in members) >= 2, theme.label
        assert 1 <= len(theme.label.split()) <= 6


def test_model_round_trips_through_joblib(
    model: ThemeModel, corpus: tuple[list[str], list[str]], tmp_path: Path
) -> None:
    joblib.dump(model, tmp_path / "themes.joblib")
    loaded = joblib.load(tmp_path / "themes.joblib")
    np.testing.assert_array_equal(loaded.predict(corpus[0]), model.labels_)
    assert loaded.themes_ == model.themes_


@pytest.mark.parametrize(
    "texts",
    [[], ["only one answer"], ["the", "and", "of"], ["unique words", "nothing shared"]],
)
def test_too_little_text_is_a_clear_value_error(texts: list[str]) -> None:
    with pytest.raises(ValueError, match="themes need"):
        ThemeModel(representation="tfidf").fit(texts)


def test_ratings_must_match_the_answers(corpus: tuple[list[str], list[str]]) -> None:
    with pytest.raises(ValueError, match="ratings has 2 entries"):
        ThemeModel(representation="tfidf").fit(corpus[0], ratings=[9, 10])


def test_ratings_must_be_nps_ratings(corpus: tuple[list[str], list[str]]) -> None:
    ratings = [11] * len(corpus[0])
    with pytest.raises(ValueError, match="11"):
        ThemeModel(representation="tfidf").fit(corpus[0], ratings=ratings)


# ------------------------------------------------------------------ evidence


def test_terms_never_show_stop_words_or_bare_negations(model: ThemeModel) -> None:
    texts, _ = planted_corpus()
    stuffed = [f"well, I mean, honestly the {t} and so on" for t in texts]
    fitted = ThemeModel(representation="tfidf").fit(stuffed)
    for theme in [*model.themes_, *fitted.themes_]:
        assert 3 <= len(theme.terms) <= 10
        for term in theme.terms:
            assert not set(term.split()) & STOP_WORDS, term
            assert term not in {"not", "no", "never"}


def test_terms_and_labels_are_specific_and_keep_negation(
    model: ThemeModel, corpus: tuple[list[str], list[str]]
) -> None:
    by_name = {
        planted_name(model, corpus[1], i): theme
        for i, theme in enumerate(model.themes_)
    }
    card = by_name["card"]
    assert "card" in card.label
    assert "not" in card.label.split()
    assert any("not" in term.split() for term in card.terms)
    assert "arrived" in " ".join(card.terms)
    assert "refund" in by_name["refund"].label
    assert re.search(r"crash", by_name["app"].label)


def test_a_label_names_its_own_theme_rather_than_a_neighbour() -> None:
    # "card payment" is in every reverted-payment answer, but it is what the other
    # theme is about: the label must say what sets this theme apart.
    reverted = [
        "my card payment was reverted yesterday",
        "why was my card payment reverted",
        "card payment got reverted by the shop",
        "the card payment was reverted",
        "card payment reverted again",
        "card payment reverted without warning",
    ]
    payments = [
        "card payment",
        "how do I make a card payment",
        "card payment options",
        "card payment in shops",
        "can I make a card payment abroad",
        "card payment help",
    ]
    vectorizer = CountVectorizer(analyzer=answer_features)
    counts = vectorizer.fit_transform(reverted + payments)
    membership = sparse.csr_matrix(np.repeat(np.eye(2), 6, axis=1))
    scores = class_tfidf(membership @ counts)
    features = vectorizer.get_feature_names_out()
    profiles = ThemeProfiles.of(scores, vectorizer.vocabulary_)
    # Common to both themes, "card payment" names neither clearly.
    assert not names_theme(profiles, 0, ["card", "payment"])
    assert not names_theme(profiles, 1, ["card", "payment"])
    assert names_theme(profiles, 0, ["payment", "revert"])
    _, alone = terms_and_labels(scores, 0, features, reverted, n_terms=5)
    _, compared = terms_and_labels(
        scores, 0, features, reverted, n_terms=5, profiles=profiles
    )
    assert alone[0] == "card payment"  # the commonest phrase, without comparison
    assert compared[0] == "payment reverted"
    assert set(compared) == set(alone)  # reordered, nothing lost


def quote_key(text: str) -> str:
    """A quote reduced to its letters, for spotting repeats."""
    return re.sub(r"[^a-z ]", "", text.lower()).strip()


def test_quotes_are_distinct_members_closest_to_the_centre() -> None:
    texts, _ = planted_corpus()
    # Repeats that differ only in case and punctuation must not fill the quotes.
    noisy = [*texts, *(t.upper() + "!!" for t in texts), *(t.lower() for t in texts)]
    fitted = ThemeModel(representation="tfidf", n_themes=4).fit(noisy)
    for index, theme in enumerate(fitted.themes_):
        members = {noisy[i] for i in np.flatnonzero(fitted.labels_ == index)}
        assert 3 <= len(theme.quotes) <= 5
        assert set(theme.quotes) <= members
        keys = [quote_key(q) for q in theme.quotes]
        assert len(set(keys)) == len(keys), theme.quotes
        closest = max(
            np.flatnonzero(fitted.labels_ == index),
            key=lambda i: fitted.similarities_[i],
        )
        assert quote_key(theme.quotes[0]) == quote_key(noisy[closest])


def test_sentiment_is_the_mean_of_the_members(
    model: ThemeModel, corpus: tuple[list[str], list[str]]
) -> None:
    texts, truth = corpus
    for index, theme in enumerate(model.themes_):
        members = [texts[i] for i in np.flatnonzero(model.labels_ == index)]
        expected = sentiment_scores(
            members, model=default_model(representation="tfidf")
        )
        assert theme.sentiment == pytest.approx(np.mean(expected), abs=1e-4)
    happiest = max(range(model.n_themes_), key=lambda i: model.themes_[i].sentiment)
    assert planted_name(model, truth, happiest) == "staff"
    assert model.themes_[happiest].sentiment > 0.5


def test_theme_nps_and_drag_follow_the_ratings(
    corpus: tuple[list[str], list[str]],
) -> None:
    texts, truth = corpus
    rating_of = {"card": 0, "app": None, "refund": 7, "staff": 10}
    ratings = [rating_of[name] for name in truth]
    fitted = ThemeModel(representation="tfidf").fit(texts, ratings=ratings)
    rated = [r for r in ratings if r is not None]
    for index, theme in enumerate(fitted.themes_):
        name = planted_name(fitted, truth, index)
        members = set(np.flatnonzero(fitted.labels_ == index))
        if name == "app":
            assert theme.nps is None
            assert theme.nps_drag is None
            continue
        inside = [ratings[i] for i in members if ratings[i] is not None]
        outside = [
            r for i, r in enumerate(ratings) if i not in members and r is not None
        ]
        assert theme.nps == pytest.approx(nps(inside).score)
        expected_drag = nps(rated).score - nps(outside).score
        assert theme.nps_drag == pytest.approx(expected_drag, abs=0.01)
    by_name = {planted_name(fitted, truth, i): t for i, t in enumerate(fitted.themes_)}
    assert by_name["card"].nps == -100
    assert by_name["card"].nps_drag < 0 < by_name["staff"].nps_drag


def test_without_ratings_themes_have_no_nps(model: ThemeModel) -> None:
    assert all(t.nps is None and t.nps_drag is None for t in model.themes_)


def test_theme_is_a_frozen_value(model: ThemeModel) -> None:
    theme = model.themes_[0]
    assert isinstance(theme, Theme)
    with pytest.raises(AttributeError):
        theme.label = "renamed"  # type: ignore[misc]


# ------------------------------------------------------------------ identity


@pytest.mark.parametrize(
    ("previous", "current", "expected"),
    [
        ({}, [{"a": 1.0}], {}),
        ({1: {"a": 1.0}}, [], {}),
        ({1: {"a": 1.0}, 2: {"b": 1.0}}, [{"b": 1.0}, {"a": 1.0}], {1: 1, 2: 0}),
        # Below the threshold: the old theme is gone, the new one is new.
        ({1: {"a": 1.0}}, [{"a": 0.3, "z": 0.95}], {}),
        # One-to-one: both old themes like new 0 best, the total decides.
        (
            {1: {"a": 0.9, "b": 0.1}, 2: {"a": 0.7, "c": 0.7}},
            [{"a": 1.0}, {"c": 1.0}],
            {1: 0, 2: 1},
        ),
        # Ids may be any hashable, weights need not be unit length.
        ({"x": {"a": 5.0}}, [{"b": 1.0}, {"a": 2.0}], {"x": 1}),
    ],
)
def test_match_themes_is_a_thresholded_hungarian_assignment(
    previous: dict, current: list, expected: dict
) -> None:
    assert match_themes(previous, current, min_similarity=0.5) == expected


def test_refit_on_shuffled_extended_data_keeps_theme_ids(
    model: ThemeModel, corpus: tuple[list[str], list[str]]
) -> None:
    texts, truth = corpus
    extra, extra_truth = planted_corpus(("card", "app", "refund", "staff"), seed=5)
    new_texts = [*texts, *extra[:20]]
    new_truth = [*truth, *extra_truth[:20]]
    order = random.Random(3).sample(range(len(new_texts)), len(new_texts))
    refit = ThemeModel(representation="tfidf", random_state=11).fit(
        [new_texts[i] for i in order], previous=model.term_centroids_
    )
    shuffled_truth = [new_truth[i] for i in order]
    old_ids = {planted_name(model, truth, i): t.id for i, t in enumerate(model.themes_)}
    new_ids = {
        planted_name(refit, shuffled_truth, i): t.id
        for i, t in enumerate(refit.themes_)
    }
    assert new_ids == old_ids
    assert set(refit.term_centroids_) == set(model.term_centroids_)


def test_a_new_theme_gets_a_new_id_and_a_vanished_one_is_not_reused(
    corpus: tuple[list[str], list[str]],
) -> None:
    first = ThemeModel(representation="tfidf").fit(
        planted_corpus(("card", "app", "refund"))[0]
    )
    texts, truth = planted_corpus(("card", "app", "staff"), seed=2)
    second = ThemeModel(representation="tfidf").fit(
        texts, previous=first.term_centroids_
    )
    ids = {planted_name(second, truth, i): t.id for i, t in enumerate(second.themes_)}
    old = {
        planted_name(first, planted_corpus(("card", "app", "refund"))[1], i): t.id
        for i, t in enumerate(first.themes_)
    }
    assert ids["card"] == old["card"]
    assert ids["app"] == old["app"]
    assert ids["staff"] == max(old.values()) + 1


# ------------------------------------------------- unclear share and labels

# Labels that say nothing an advocate could act on: single vague words, hedges and
# fragments seen in earlier runs. None may ever be a theme's label.
FORBIDDEN_LABELS = {
    *("long", "tried", "accept", "funds", "product", "screen", "honestly"),
    *("dot com today", "top up", "not work", "not received", "not arrived"),
    *("great", "thanks", "otherwise", "rest", "thing", "small thing", "mostly"),
    *("messages are vague red", "ticket that was blocking our whole", "話窓"),
}


def realistic_answers() -> list[str]:
    """The small CSV's answers, the planted corpus, hedged, and Japanese ones."""
    with SMALL_CSV.open(encoding="utf-8") as file:
        small = [row["text"] for row in csv.DictReader(file)]
    texts, _ = planted_corpus()
    hedged = [f"Honestly, {t.lower()}. Otherwise great." for t in texts[:20]]
    return [*small, *texts, *hedged, *JAPANESE_INVOICE]


@pytest.mark.parametrize("n_themes", ["auto", 3, 8])
def test_no_label_is_forbidden_vague_or_repeated(n_themes: int | str) -> None:
    fitted = ThemeModel(representation="tfidf", n_themes=n_themes)
    fitted.fit(realistic_answers())
    labels = [theme.label for theme in fitted.themes_]
    assert not set(labels) & FORBIDDEN_LABELS
    assert len(labels) == len(set(labels))
    for label in labels:
        assert 1 <= len(label.split()) <= 6, label
        assert not set(label.split()) & HEDGES, label


def test_with_k_given_at_most_a_tenth_of_substantive_answers_are_unclear() -> None:
    texts = realistic_answers()
    for k in (2, 4, 8):
        fitted = ThemeModel(representation="tfidf", n_themes=k).fit(texts)
        substantive = np.array([len(set(content_words(text))) >= 3 for text in texts])
        unclear = fitted.labels_[substantive] == UNCLEAR
        assert unclear.mean() <= 0.10, (k, unclear.mean())


def test_japanese_labels_are_words_of_the_answers_in_their_own_themes() -> None:
    path = REPO / "tests" / "data" / "ja_comments.csv"
    with path.open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    texts = [row["text"] for row in rows]
    english, _ = planted_corpus()
    fitted = ThemeModel(representation="tfidf", n_themes=16).fit([*texts, *english])
    japanese = set(fitted.labels_[: len(texts)].tolist()) - {UNCLEAR}
    assert not japanese & set(fitted.labels_[len(texts) :].tolist())
    for index in japanese:
        label = fitted.themes_[index].label
        members = [texts[i] for i in np.flatnonzero(fitted.labels_ == index)]
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", label), label
        # Written by the answers (a final verb in its dictionary form).
        stem_of_label = label[:-1] if len(label) > 2 else label
        assert any(stem_of_label in normalise(m) for m in members), label
    assert fitted.representations_ == {"en": "tfidf", "ja": "tfidf"}


# ---------------------------------------------------------------- semantic


@pytest.fixture(scope="module")
def semantic_model(
    embedding_model_path: str, corpus: tuple[list[str], list[str]]
) -> ThemeModel:
    return ThemeModel(representation="semantic", model=embedding_model_path).fit(
        corpus[0]
    )


def test_semantic_finds_the_planted_themes(
    semantic_model: ThemeModel, corpus: tuple[list[str], list[str]]
) -> None:
    assert semantic_model.representations_ == {"en": "semantic"}
    assert semantic_model.representation_ == "semantic"
    assert adjusted_rand_score(corpus[1], semantic_model.labels_) > 0.9
    np.testing.assert_array_equal(
        semantic_model.predict(corpus[0]), semantic_model.labels_
    )


def test_semantic_with_stored_embeddings_equals_embedding_here(
    semantic_model: ThemeModel,
    corpus: tuple[list[str], list[str]],
    embedding_model_path: str,
    encoder: object,
) -> None:
    stored = encoder.encode(corpus[0])  # type: ignore[attr-defined]
    again = ThemeModel(representation="semantic", model=embedding_model_path)
    again.fit(corpus[0], embeddings=stored)
    np.testing.assert_array_equal(again.labels_, semantic_model.labels_)
    assert again.themes_ == semantic_model.themes_
    # Stored rows may be missing (None): those answers are embedded.
    partly = [None if i % 3 else row for i, row in enumerate(stored)]
    np.testing.assert_array_equal(
        again.predict(corpus[0], embeddings=partly), semantic_model.labels_
    )
    with pytest.raises(ValueError, match="embeddings has 2 rows"):
        again.predict(corpus[0], embeddings=stored[:2])


def test_semantic_model_pickles_without_its_encoder(
    semantic_model: ThemeModel, corpus: tuple[list[str], list[str]], tmp_path: Path
) -> None:
    joblib.dump(semantic_model, tmp_path / "themes.joblib")
    size = (tmp_path / "themes.joblib").stat().st_size
    assert size < 2_000_000  # the 90 MB encoder is not in it
    loaded = joblib.load(tmp_path / "themes.joblib")
    np.testing.assert_array_equal(loaded.predict(corpus[0]), semantic_model.labels_)


def test_mixed_run_keeps_japanese_out_of_the_english_model(
    embedding_model_path: str, corpus: tuple[list[str], list[str]]
) -> None:
    texts = [*corpus[0], *JAPANESE_INVOICE]
    fitted = ThemeModel(representation="auto", model=embedding_model_path).fit(texts)
    assert fitted.representations_ == {"en": "semantic", "ja": "tfidf"}
    japanese = fitted.labels_[-len(JAPANESE_INVOICE) :]
    assert len(set(japanese.tolist()) - {UNCLEAR}) == 1
    assert not set(fitted.labels_[: len(corpus[0])].tolist()) & set(japanese.tolist())


# ------------------------------------------------- small and degenerate input


@pytest.mark.parametrize("n_themes", ["auto", 2])
def test_identical_answers_fit_without_a_warning(n_themes: int | str) -> None:
    # Every answer has the same words: the SVD sees no variance at all (pytest
    # turns its RuntimeWarning into an error).
    texts = ["card not arrived late"] * 6
    fitted = ThemeModel(representation="tfidf", n_themes=n_themes, min_df=1)
    fitted.fit(texts)
    assert fitted.labels_.tolist() == [0] * 6
    assert fitted.predict(["my card not arrived"]).tolist() == [0]


def test_themes_all_smaller_than_the_minimum_leave_every_answer_unclear() -> None:
    texts = ["card not arrived", "card not arrived", "refund please", "refund please"]
    fitted = ThemeModel(representation="tfidf", n_themes=2, min_df=1).fit(texts)
    assert fitted.themes_ == []
    assert fitted.labels_.tolist() == [UNCLEAR] * 4
    assert fitted.predict(["card not arrived"]).tolist() == [UNCLEAR]
