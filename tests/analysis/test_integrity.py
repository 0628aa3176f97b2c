"""Near-duplicate texts and bursts: the pure screening functions."""

from datetime import UTC, datetime, timedelta

from analysis.integrity import burst, near_duplicates, normalise, shingles, similarity

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SPAM = "Claim your refund at evil-example dot com today"


def test_normalise_folds_case_width_punctuation_and_spaces():
    full_width_claim = "\uff23\uff2c\uff21\uff29\uff2d"  # as a Japanese keyboard types
    raw = f"  {full_width_claim} your\tREFUND!!  at evil-example.com "
    assert normalise(raw) == "claim your refund at evil example com"
    assert normalise("請求書が、間違っています。") == "請求書が 間違っています"


def test_shingles_of_short_texts_are_the_text_itself():
    assert shingles("abc") == frozenset({"abc"})
    assert shingles("") == frozenset()
    assert shingles("abcde") == frozenset({"abcd", "bcde"})


def test_light_edits_stay_similar_and_other_texts_do_not():
    assert similarity(SPAM, "claim your REFUND at evil-example dot com today!!") == 1.0
    assert similarity(SPAM, "Claim your refund at evil-example dot com, today :)") > 0.8
    assert similarity(SPAM, "The invoices were wrong three months in a row") < 0.2


def test_near_duplicates_returns_the_matching_keys():
    candidates = [
        (1, SPAM.upper()),
        (2, "Claim ur refund at evil-example dot com today"),
        (3, "Support took a week to answer my ticket about invoices"),
    ]
    assert near_duplicates(SPAM, candidates) == [1, 2]


def test_short_common_answers_are_never_duplicates():
    candidates = [(n, "Nothing, all good") for n in range(50)]
    assert near_duplicates("nothing - all good!", candidates) == []
    # The shortest length counted is a setting.
    assert len(near_duplicates("nothing - all good!", candidates, min_chars=5)) == 50


def test_japanese_duplicates_are_found_without_a_tokeniser():
    text = "請求書の金額が三か月続けて間違っていました。返金してください。"
    edited = "請求書の金額が三か月続けて間違っていました！返金してください"
    assert near_duplicates(text, [("a", edited)], min_chars=10) == ["a"]


def test_a_burst_is_more_than_the_limit_within_the_window():
    started = [(n, NOW - timedelta(minutes=n)) for n in range(6)]
    window = timedelta(minutes=10)
    assert burst(started, now=NOW, window=window, limit=5) == [0, 1, 2, 3, 4, 5]
    assert burst(started, now=NOW, window=window, limit=6) == []
    # Older responses are outside the window and do not count.
    assert burst(started, now=NOW, window=timedelta(minutes=2), limit=2) == [0, 1, 2]
    assert burst(started, now=NOW, window=timedelta(minutes=2), limit=3) == []
