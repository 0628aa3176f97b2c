"""cat_survey.analyze.sentiment: ratings read in the light of what a question asks."""

import numpy as np
import pytest

from cat_survey.analyze.sentiment import (
    PRAISE,
    PROBLEM,
    AnswerSentiment,
    answer_sentiments,
    rating_in_light,
    weak_label,
)


@pytest.mark.parametrize(
    ("asks_for", "detractor", "passive", "unrated", "promoter"),
    [
        ("problem", "negative", "negative", "negative", None),
        ("praise", None, "positive", "positive", "positive"),
        ("any", "negative", None, None, "positive"),
    ],
)
def test_the_weak_label_reads_the_rating_and_the_question_together(
    asks_for, detractor, passive, unrated, promoter
):
    assert [weak_label(r, asks_for) for r in (3, 7, None, 10)] == [
        detractor,
        passive,
        unrated,
        promoter,
    ]


def test_a_rating_the_question_explains_never_contradicts_the_text():
    assert rating_in_light(10, "problem") is None  # asked what to fix
    assert rating_in_light(1, "praise") is None  # asked what they liked
    assert [rating_in_light(r, "any") for r in (1, 7, 10)] == [1, 7, 10]
    assert rating_in_light(1, "problem") == 1
    assert rating_in_light(10, "praise") == 10


def test_praise_and_problems_are_told_apart_by_the_score():
    sentiment = AnswerSentiment(
        np.array([0.9, 0.26, 0.25, 0.0, -0.8]), np.zeros(5, dtype=bool)
    )
    assert sentiment.stances == [PRAISE, PRAISE, PROBLEM, PROBLEM, PROBLEM]


CRASH = "the app crashes every time I open the invoice page"
PRAISE_TEXT = "the support team was wonderful and solved it in minutes"


def test_a_promoter_asked_what_to_fix_is_not_flagged_but_one_asked_for_praise_is():
    texts = [CRASH, CRASH, PRAISE_TEXT, PRAISE_TEXT, CRASH, CRASH]
    ratings = [10, 10, 1, 1, 2, None]
    asks_for = ["problem", "praise", "praise", "any", "problem", "problem"]
    sentiment = answer_sentiments(texts, ratings, asks_for, representation="tfidf")
    assert sentiment.disagrees.tolist() == [False, True, False, True, False, False]
    assert sentiment.scores[0] < 0 < sentiment.scores[2]
    assert sentiment.stances == [PROBLEM, PROBLEM, PRAISE, PRAISE, PROBLEM, PROBLEM]


def test_without_question_intents_every_rating_counts():
    sentiment = answer_sentiments([CRASH, PRAISE_TEXT], [10, 1], representation="tfidf")
    assert sentiment.disagrees.tolist() == [True, True]
