"""Tests for analysis.text: offline preparation, negations, stop words, sentiment."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from analysis.text import (
    CONTENT_WORDS,
    HEDGES,
    NEGATIONS,
    STOP_WORDS,
    content_words,
    is_content_word,
    language_of,
    morphemes,
    normalise,
    sentiment,
    sentiments,
    stem,
    tokenise,
)

REPO = Path(__file__).parents[2]


def run_python(code: str, *, cwd: Path = REPO) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter of this venv, from the repository root."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Hello   World ", "hello world"),
        ("It\u2019s fine", "it's fine"),
        ("\uff26\uff55\uff4c\uff4c width", "full width"),
        ("Caf\u00e9 NA\u00cfVE", "caf\u00e9 na\u00efve"),
        ("line\nbreak\ttab", "line break tab"),
        ("", ""),
    ],
)
def test_normalise_gives_canonical_lower_case_text(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("The card hasn't arrived", ["the", "card", "has", "not", "arrived"]),
        ("The card has not arrived", ["the", "card", "has", "not", "arrived"]),
        ("I can\u2019t log in", ["i", "can", "not", "log", "in"]),
        ("I cannot log in", ["i", "can", "not", "log", "in"]),
        ("it won't load", ["it", "will", "not", "load"]),
        ("dont work", ["do", "not", "work"]),
        ("It's broken!!!", ["it", "broken"]),
        ("top-up failed", ["top", "up", "failed"]),
        ("see https://x.io or mail me@x.io", ["see", "or", "mail"]),
        ("#fail @bank", ["fail"]),
        ("paid $50.00 on 2024-01-02", ["paid", "on"]),
    ],
)
def test_tokenise_splits_contractions_and_drops_noise(
    raw: str, expected: list[str]
) -> None:
    assert tokenise(raw) == expected


@pytest.mark.parametrize("negation", sorted(NEGATIONS))
def test_content_words_keep_every_negation(negation: str) -> None:
    assert negation in content_words(f"the app {negation} working")


def test_not_working_is_not_working() -> None:
    assert content_words("It is not working") == ["not", "working"]
    assert content_words("It is working") == ["working"]


def test_negations_are_in_sklearn_list_but_not_in_ours() -> None:
    # The point of NEGATIONS: scikit-learn would drop most of them.
    assert {"not", "no", "never", "nothing"} <= ENGLISH_STOP_WORDS
    assert not NEGATIONS & STOP_WORDS


@pytest.mark.parametrize("word", ["top", "up", "bill", "amount", "system", "still"])
def test_complaint_words_from_sklearn_list_are_content(word: str) -> None:
    assert word in ENGLISH_STOP_WORDS
    assert word in CONTENT_WORDS
    assert is_content_word(word)


@pytest.mark.parametrize("word", ["the", "and", "my", "does", "thanks", "im", "a"])
def test_filler_words_are_not_content(word: str) -> None:
    assert not is_content_word(word)


@pytest.mark.parametrize(
    "word", ["honestly", "frankly", "mostly", "thing", "otherwise", "rest", "great"]
)
def test_hedges_and_bare_praise_are_not_content(word: str) -> None:
    assert word in HEDGES
    assert not is_content_word(word)


def test_hedged_answer_keeps_only_its_topic() -> None:
    hedged = "Honestly, small thing, but the invoice is wrong. Otherwise great!"
    assert content_words(hedged) == ["invoice", "wrong"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("注文した商品がまだ届きません", ["注文", "商品", "届く", "ない"]),
        ("請求書の金額が間違っています。", ["請求書", "金額", "間違う"]),
        ("アップデートのたびに不具合が出ます", ["アップデート", "不具合", "出る"]),
        ("APIのエラーが頻繁に発生します", ["api", "エラー", "頻繁", "発生"]),
        ("Salesforceとの連携", ["salesforce", "連携"]),
        ("導入支援", ["導入", "支援"]),
        ("電話窓口がつながらない", ["電話", "窓口", "つながる", "ない"]),
        ("アプリが使いにくい", ["アプリ", "使う", "にくい"]),
        ("連絡がありませんでした", ["連絡", "ない"]),
        ("ありがとう", []),
    ],
)
def test_tokenise_gives_japanese_base_forms_and_keeps_negation(
    raw: str, expected: list[str]
) -> None:
    assert content_words(raw) == expected


def test_japanese_morphemes_give_the_text_back() -> None:
    text = "サポートの返信が遅くて困っています"
    pieces = morphemes(text)
    assert "".join(surface for surface, _ in pieces) == text
    assert [base for _, base in pieces if base] == ["サポート", "返信", "遅い", "困る"]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("My card has not arrived", "en"),
        ("注文した商品がまだ届きません", "ja"),
        ("APIのエラーが頻繁に発生します", "ja"),
        ("The 請求書 word in English text", "en"),
        ("", "en"),
        ("!!! 123", "en"),
    ],
)
def test_language_of_counts_the_share_of_japanese_letters(
    text: str, language: str
) -> None:
    assert language_of(text) == language


def test_japanese_hedge_openers_are_not_content() -> None:
    assert content_words("率直に言って、正直なところ請求書が遅いです") == [
        "請求書",
        "遅い",
    ]


@pytest.mark.parametrize(
    ("words", "common_stem"),
    [
        (["arrived", "arriving", "arrives"], "arriv"),
        (["charge", "charged", "charges", "charging"], "charg"),
        (["crash", "crashes", "crashed", "crashing"], "crash"),
        (["refund", "refunds", "refunded"], "refund"),
    ],
)
def test_stem_conflates_inflections(words: list[str], common_stem: str) -> None:
    assert {stem(w) for w in words} == {common_stem}


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("Great service, thank you so much!", 1),
        ("I love the new app", 1),
        ("Terrible support, I am furious", -1),
        ("The app is awful and useless", -1),
        ("The card was posted on Tuesday", 0),
    ],
)
def test_sentiment_has_the_expected_sign(text: str, sign: int) -> None:
    score = sentiment(text)
    assert -1.0 <= score <= 1.0
    if sign == 0:
        assert score == 0.0
    else:
        assert score * sign > 0.2


def test_sentiments_matches_sentiment_one_by_one() -> None:
    texts = ["good", "bad", "", "not good at all", "\U0001f621 angry"]
    assert sentiments(texts) == [sentiment(t) for t in texts]


def test_sentiment_reads_negation() -> None:
    assert sentiment("not good") < 0 < sentiment("good")


def test_preparation_needs_no_nltk_data_and_never_downloads(tmp_path: Path) -> None:
    result = run_python(
        f"""
        import nltk, nltk.data
        def forbidden(*args, **kwargs):
            raise AssertionError("nltk.download was called")
        nltk.download = forbidden
        nltk.data.path[:] = [{str(tmp_path)!r}]
        from analysis.text import content_words, sentiment, stem
        print(content_words("The card hasn't arrived"), stem("arrived"))
        print(sentiment("great service") > 0)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["['card', 'not', 'arrived'] arriv", "True"]


def test_missing_vader_package_fails_with_a_message_naming_it() -> None:
    result = run_python(
        """
        import sys
        sys.modules["vaderSentiment"] = None  # as if it were not installed
        from analysis.text import sentiment
        try:
            sentiment("good")
        except RuntimeError as error:
            print(error)
        """
    )
    assert result.returncode == 0, result.stderr
    assert "vaderSentiment" in result.stdout
    assert "not installed" in result.stdout


def test_missing_vader_lexicon_fails_with_a_message_naming_the_file(
    tmp_path: Path,
) -> None:
    # A broken install: the package is importable but its lexicon file is gone.
    package = tmp_path / "vaderSentiment"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "vaderSentiment.py").write_text(
        "class SentimentIntensityAnalyzer:\n"
        "    def __init__(self):\n"
        "        open(__file__.replace('vaderSentiment.py', 'vader_lexicon.txt'))\n"
    )
    result = run_python(
        f"""
        import sys
        sys.path.insert(0, {str(tmp_path)!r})
        from analysis.text import sentiment
        try:
            sentiment("good")
        except RuntimeError as error:
            print(error)
        """
    )
    assert result.returncode == 0, result.stderr
    assert "vader_lexicon.txt" in result.stdout
    assert str(package) in result.stdout
