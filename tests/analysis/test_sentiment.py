"""Tests for analysis.sentiment and its command line (``python -m analysis sentiment``).

Most tests use the TF-IDF representation, which needs no embedding model and fits
in about a second; the ones marked with the ``representation`` parameter also run
with sentence embeddings from the packaged MiniLM folder (skipped without it).
"""

import csv
import json

import numpy as np
import pytest
from sklearn.base import clone

from analysis.__main__ import main as analysis_main
from analysis.cli.sentiment import cli
from analysis.sentiment import (
    CACHE_SETTING,
    LABELS,
    SentimentModel,
    adapt,
    cache_example_embeddings,
    default_model,
    disagreements,
    lexicon_features,
    load_examples,
    sentiment_labels,
    sentiment_scores,
    weak_labels,
    with_weak_labels,
)
from analysis.text import language_of

COMPLAINTS = [
    "still waiting for my refund",
    "thanks for nothing",
    "not helpful at all",
    "My parcel hasn't arrived and nobody answers the phone",
    "I've emailed three times and had no reply",
    "注文した商品がまだ届きません",
    "サポートに何度問い合わせても返信がありません",
]
PRAISE = [
    "Thank you, the support team sorted it out in minutes",
    "Love the new dashboard, so much easier to use",
    "丁寧に対応していただき、ありがとうございました",
]
QUESTIONS = [
    "What are your opening hours on Saturday?",
    "Can I change the delivery address after ordering?",
    "請求書の送付先を変更できますか？",
]


@pytest.fixture(scope="module")
def tfidf_model() -> SentimentModel:
    """The default model without embeddings (shared: fitted once)."""
    return default_model(representation="tfidf")


@pytest.fixture(scope="module", params=["tfidf", "semantic"])
def any_model(request: pytest.FixtureRequest) -> SentimentModel:
    """The default model with each representation; semantic needs the model."""
    if request.param == "tfidf":
        return default_model(representation="tfidf")
    path = request.getfixturevalue("embedding_model_path")
    return default_model(representation="semantic", model=path)


@pytest.mark.parametrize("text", COMPLAINTS)
def test_complaints_read_negative(any_model: SentimentModel, text: str) -> None:
    assert sentiment_labels([text], model=any_model) == ["negative"]
    assert sentiment_scores([text], model=any_model)[0] < -0.2


@pytest.mark.parametrize("text", PRAISE)
def test_praise_reads_positive(any_model: SentimentModel, text: str) -> None:
    assert sentiment_labels([text], model=any_model) == ["positive"]
    assert sentiment_scores([text], model=any_model)[0] > 0.2


@pytest.mark.parametrize("text", QUESTIONS)
def test_questions_read_neutral(any_model: SentimentModel, text: str) -> None:
    assert sentiment_labels([text], model=any_model) == ["neutral"]


def test_semantic_model_uses_embeddings(embedding_model_path: str) -> None:
    model = default_model(representation="semantic", model=embedding_model_path)
    assert model.representation_ == "semantic"


def test_example_embeddings_are_kept_on_disk(
    embedding_model_path: str, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_SETTING, str(tmp_path))
    path = cache_example_embeddings(embedding_model_path)
    assert path is not None
    assert path.parent == tmp_path
    texts, _ = load_examples()
    english = {text for text in texts if language_of(text) == "en"}
    assert np.load(path).shape == (len(english), 384)
    written = path.stat().st_mtime_ns
    assert cache_example_embeddings(embedding_model_path) == path
    assert path.stat().st_mtime_ns == written  # read back, not written again


def test_unwritable_cache_folder_is_not_an_error(
    embedding_model_path: str, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("taken")
    monkeypatch.setenv(CACHE_SETTING, str(not_a_folder / "cache"))
    assert cache_example_embeddings(embedding_model_path) is None


def test_scores_are_probability_differences(tfidf_model: SentimentModel) -> None:
    texts = [*COMPLAINTS, *PRAISE, *QUESTIONS, ""]
    probabilities = tfidf_model.predict_proba(texts)
    scores = sentiment_scores(texts, model=tfidf_model)
    assert probabilities.shape == (len(texts), len(LABELS))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    np.testing.assert_allclose(scores, probabilities[:, 2] - probabilities[:, 0])
    assert np.all((scores >= -1) & (scores <= 1))
    labels = sentiment_labels(texts, model=tfidf_model)
    negative = np.array(labels) == "negative"
    # Negative when at least a third likely and no less likely than positive;
    # otherwise the most probable label. The label never contradicts the score.
    np.testing.assert_array_equal(
        negative,
        (probabilities[:, 0] >= 1 / 3) & (probabilities[:, 0] >= probabilities[:, 2]),
    )
    for label, row in zip(labels, probabilities, strict=True):
        if label != "negative":
            assert label == LABELS[row.argmax()]
    assert np.all(scores[negative] <= 0)


def test_empty_input_gives_empty_output(tfidf_model: SentimentModel) -> None:
    assert sentiment_scores([], model=tfidf_model).shape == (0,)
    assert sentiment_labels([], model=tfidf_model) == []


def test_fit_is_deterministic_and_clone_refits_the_same() -> None:
    texts, labels = load_examples()
    first = SentimentModel(representation="tfidf").fit(texts, labels)
    second = clone(first).fit(texts, labels)
    probe = [*COMPLAINTS, *PRAISE, *QUESTIONS]
    np.testing.assert_array_equal(
        first.predict_proba(probe), second.predict_proba(probe)
    )


def test_class_weight_sets_how_much_the_rarer_classes_count() -> None:
    """The default keeps the examples' mix; "balanced" lifts the rarer classes."""
    texts = ["awful", "broken", "late again", "no reply", "terrible", "great", "ok?"]
    labels = ["negative"] * 5 + ["positive", "neutral"]
    probe = ["it arrived"]
    as_given = SentimentModel(representation="tfidf").fit(texts, labels)
    balanced = SentimentModel(representation="tfidf", class_weight="balanced").fit(
        texts, labels
    )
    negative = LABELS.index("negative")
    assert (
        balanced.predict_proba(probe)[0, negative]
        < as_given.predict_proba(probe)[0, negative]
    )


def test_auto_falls_back_to_tfidf_without_the_embedding_model(tmp_path) -> None:
    model = SentimentModel(representation="auto", model=str(tmp_path / "no-model"))
    model.fit(["great", "awful", "what time?"], ["positive", "negative", "neutral"])
    assert model.representation_ == "tfidf"


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        (["positive", "angry"], "unknown sentiment labels"),
        (["positive", "positive"], "at least two labels"),
        (["positive"], "2 texts but 1 labels"),
    ],
)
def test_fit_rejects_bad_labels(labels: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SentimentModel(representation="tfidf").fit(["a", "b"], labels)


def test_shipped_examples_cover_both_languages_and_all_labels() -> None:
    texts, labels = load_examples()
    pairs = list(zip(texts, labels, strict=True))
    japanese = {label for text, label in pairs if language_of(text) == "ja"}
    english = {label for text, label in pairs if language_of(text) == "en"}
    assert japanese == english == set(LABELS)


def test_lexicon_features_see_complaint_patterns_and_negated_praise() -> None:
    rows = lexicon_features(
        ["still waiting for a reply", "the app is fine", "使いやすくない", "便利です"]
    )
    complaint, praise, japanese = rows[:, 3] + rows[:, 4], rows[:, 5], rows[:, 7]
    # An English complaint pattern; negated Japanese praise is a complaint.
    assert (complaint > 0).tolist() == [True, False, True, False]
    assert (praise > 0).tolist() == [False, False, False, True]
    assert japanese.tolist() == [0, 0, 1, 1]


@pytest.mark.parametrize(
    ("ratings", "scale", "expected"),
    [
        ([0, 6, 7, 8, 9, 10], "nps", ["negative"] * 2 + [None] * 2 + ["positive"] * 2),
        ([1, 2, 3, 4, 5], "csat", ["negative"] * 2 + [None] + ["positive"] * 2),
        ([None, float("nan")], "nps", [None, None]),
    ],
)
def test_weak_labels_follow_the_rating_scale(ratings, scale, expected) -> None:
    assert weak_labels(ratings, scale=scale) == expected


def test_weak_labels_reject_an_unknown_scale() -> None:
    with pytest.raises(ValueError, match="scale must be one of"):
        weak_labels([5], scale="stars")


def test_weak_labels_move_scores_towards_the_ratings(
    tfidf_model: SentimentModel,
) -> None:
    # Domain words the shipped examples never use: only the ratings say how
    # these customers feel about them.
    detractors = [f"the kiosk rebooted during order {n}" for n in range(12)]
    promoters = [f"the kiosk printed the voucher for order {n}" for n in range(12)]
    before = sentiment_scores(
        ["the kiosk rebooted", "the kiosk printed the voucher"], model=tfidf_model
    )
    adapted = with_weak_labels(
        detractors + promoters, [2] * 12 + [10] * 12, model=tfidf_model
    )
    after = sentiment_scores(
        ["the kiosk rebooted", "the kiosk printed the voucher"], model=adapted
    )
    assert after[0] < before[0]
    assert after[1] > before[1]
    assert adapted is not tfidf_model
    np.testing.assert_array_equal(  # the shared default model is unchanged
        sentiment_scores(["the kiosk rebooted"], model=tfidf_model), before[:1]
    )


def test_weak_labels_count_less_than_gold_labels(tfidf_model: SentimentModel) -> None:
    texts = [f"the kiosk rebooted during order {n}" for n in range(6)]
    weak = with_weak_labels(texts, [0] * 6, model=tfidf_model)
    gold = adapt(tfidf_model, texts, ["negative"] * 6)
    probe = ["the kiosk rebooted"]
    assert (
        sentiment_scores(probe, model=gold)[0] < sentiment_scores(probe, model=weak)[0]
    )


def test_disagreements_flag_text_against_rating(tfidf_model: SentimentModel) -> None:
    texts = [
        "still waiting for my refund",  # promoter who complains
        "Thank you, the staff were wonderful",  # detractor who praises
        "still waiting for my refund",  # detractor who complains: agrees
        "Thank you, the staff were wonderful",  # passive: never disagrees
        "Thank you, the staff were wonderful",  # no rating
    ]
    found = disagreements(texts, [10, 1, 1, 7, None], model=tfidf_model)
    assert sorted((d.index, d.rating_label, d.text_label) for d in found) == [
        (0, "positive", "negative"),
        (1, "negative", "positive"),
    ]
    assert all(abs(d.score) > 0.2 for d in found)
    assert [abs(d.score) for d in found] == sorted(
        (abs(d.score) for d in found), reverse=True
    )


def test_length_mismatch_is_an_error(tfidf_model: SentimentModel) -> None:
    with pytest.raises(ValueError, match="2 texts but 1 ratings"):
        disagreements(["a", "b"], [1], model=tfidf_model)


# --- command line -------------------------------------------------------------


def _write_csv(path, header: list[str], rows: list[list[str]]) -> str:
    with open(path, "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


@pytest.fixture
def answers_csv(tmp_path) -> str:
    return _write_csv(
        tmp_path / "answers.csv",
        ["ref", "comment"],
        [
            ["a1", "still waiting for my refund"],
            ["a2", "Thank you, the support team was wonderful"],
            ["a3", "注文した商品がまだ届きません"],
        ],
    )


def test_cli_json_gives_id_score_and_label(answers_csv: str, capsys) -> None:
    status = cli(
        [
            answers_csv,
            "--text-column",
            "comment",
            "--id-column",
            "ref",
            "--representation",
            "tfidf",
            "--format",
            "json",
        ]
    )
    records = json.loads(capsys.readouterr().out)
    assert status == 0
    assert [r["id"] for r in records] == ["a1", "a2", "a3"]
    assert [r["label"] for r in records] == ["negative", "positive", "negative"]
    assert all(-1 <= r["sentiment"] <= 1 for r in records)
    assert set(records[0]) == {"id", "sentiment", "label"}


def test_cli_csv_numbers_rows_without_an_id_column(answers_csv: str, capsys) -> None:
    status = analysis_main(
        [
            "sentiment",
            answers_csv,
            "--text-column",
            "comment",
            "--representation",
            "tfidf",
            "--format",
            "csv",
        ]
    )
    rows = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    assert status == 0
    assert [row["id"] for row in rows] == ["1", "2", "3"]
    assert rows[0]["label"] == "negative"
    assert float(rows[1]["sentiment"]) > 0


def test_cli_train_adapts_the_model(tmp_path, capsys) -> None:
    answers = _write_csv(tmp_path / "in.csv", ["text"], [["the kiosk rebooted"]])
    labelled = _write_csv(
        tmp_path / "train.csv",
        ["text", "sentiment"],
        [[f"the kiosk rebooted during order {n}", "negative"] for n in range(8)],
    )
    arguments = [answers, "--representation", "tfidf", "--format", "json"]
    assert cli(arguments) == 0
    before = json.loads(capsys.readouterr().out)[0]["sentiment"]
    assert cli([*arguments, "--train", labelled, "--label-column", "sentiment"]) == 0
    after = json.loads(capsys.readouterr().out)[0]
    assert after["sentiment"] < before
    assert after["label"] == "negative"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["missing.csv"], "no such file"),
        (["{answers}", "--text-column", "body"], "no column 'body'"),
        (
            ["{answers}", "--text-column", "comment", "--train", "{bad_labels}"],
            "is not one of negative, neutral, positive",
        ),
        (["{answers}", "--format", "xml"], "invalid choice"),
    ],
)
def test_cli_bad_input_exits_2_with_a_message(
    tmp_path, answers_csv: str, capsys, arguments: list[str], message: str
) -> None:
    bad_labels = _write_csv(
        tmp_path / "bad.csv", ["comment", "sentiment"], [["meh", "angry"]]
    )
    argv = [a.format(answers=answers_csv, bad_labels=bad_labels) for a in arguments]
    argv = [str(tmp_path / a) if a == "missing.csv" else a for a in argv]
    assert cli([*argv, "--representation", "tfidf"]) == 2
    assert message in capsys.readouterr().err


def test_cli_semantic_model_folder(
    answers_csv: str, embedding_model_path: str, capsys
) -> None:
    status = cli(
        [
            answers_csv,
            "--text-column",
            "comment",
            "--representation",
            "semantic",
            "--model",
            embedding_model_path,
        ]
    )
    assert status == 0
    labels = [r["label"] for r in json.loads(capsys.readouterr().out)]
    assert labels == ["negative", "positive", "negative"]


def test_cli_semantic_without_the_model_exits_2(
    answers_csv: str, tmp_path, capsys
) -> None:
    status = cli(
        [
            answers_csv,
            "--text-column",
            "comment",
            "--representation",
            "semantic",
            "--model",
            str(tmp_path / "no-model"),
        ]
    )
    assert status == 2
    error = capsys.readouterr().err
    assert "does not exist" in error
    assert "CAT_SURVEY_EMBEDDING_MODEL" in error
    assert "Traceback" not in error
