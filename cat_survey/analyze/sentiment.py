"""Answer sentiment in the app: the shipped model, adapted to what each question asks.

A rating says how a customer feels about the company; the question says what
their answer is about. Both are weak evidence of an answer's sentiment, and
:func:`weak_label` reads them together:

=====================  =================  =================  ==============
question asks for      detractor (0-6)    passive or none    promoter (9-10)
=====================  =================  =================  ==============
``problem``            negative           negative           (none)
``praise``             (none)             positive           positive
``any``                negative           (none)             positive
=====================  =================  =================  ==============

A promoter's answer to "what should we fix first?" is a request, not praise, and
a detractor's answer to "what did you like?" is not a complaint: where the two
pieces of evidence pull apart, the answer teaches nothing. For the same reason
such an answer never counts as contradicting its rating (:func:`rating_in_light`).

:func:`answer_sentiments` adapts :mod:`analysis.sentiment`'s shipped model with
these labels, scores every answer, gives each a stance ("praise" or "problem")
that keeps praise and complaints about one topic in separate themes, and flags
the answers whose text contradicts their rating.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from analysis.sentiment import (
    WEAK_LABEL_WEIGHT,
    SentimentModel,
    adapt,
    default_model,
    disagreements,
    sentiment_scores,
    weak_labels,
)

#: Sentiment above which an answer is praise; the rest (complaints, requests,
#: neutral remarks) are problems. Praise and problems never share a theme.
PRAISE_ABOVE = 0.25
PRAISE, PROBLEM = "praise", "problem"


def weak_label(rating: int | None, asks_for: str = "any") -> str | None:
    """The sentiment an answer's question and rating suggest, or None if unclear.

    Examples
    --------
    >>> [weak_label(r, "problem") for r in (2, None, 10)]
    ['negative', 'negative', None]
    >>> [weak_label(r, "praise") for r in (2, None, 10)]
    [None, 'positive', 'positive']
    >>> [weak_label(r) for r in (2, 7, None, 10)]
    ['negative', None, None, 'positive']
    """
    from_rating = weak_labels([rating])[0]
    from_question = {"problem": "negative", "praise": "positive"}.get(asks_for)
    if from_question is None:
        return from_rating
    if from_rating is not None and from_rating != from_question:
        return None  # the question and the rating pull apart
    return from_question


def rating_in_light(rating: int | None, asks_for: str = "any") -> int | None:
    """The rating, unless the question explains why the text goes the other way.

    A promoter asked what to fix writes a problem and a detractor asked what
    they liked writes praise: neither contradicts the rating.

    Examples
    --------
    >>> rating_in_light(10, "problem"), rating_in_light(2, "problem")
    (None, 2)
    >>> rating_in_light(2, "praise"), rating_in_light(10, "praise")
    (None, 10)
    """
    side = weak_labels([rating])[0]
    if (asks_for, side) in {("problem", "positive"), ("praise", "negative")}:
        return None
    return rating


def stances_of(scores: Sequence[float] | np.ndarray) -> list[str]:
    """Each answer's stance: praise above :data:`PRAISE_ABOVE`, else problem.

    Examples
    --------
    >>> stances_of([0.9, 0.25, -0.4])
    ['praise', 'problem', 'problem']
    """
    return [PRAISE if score > PRAISE_ABOVE else PROBLEM for score in scores]


def answer_stances(
    texts: Sequence[str], *, representation: str, model: str | None = None
) -> list[str]:
    """The stance of answers that arrive between runs, by the shipped model.

    ``--assign-new`` places such answers in the themes of their stance; the
    run's adapted model is not kept, so a borderline answer may read a little
    differently until the next run refits everything.
    """
    base = default_model(representation=representation, model=model)
    return stances_of(sentiment_scores(list(texts), model=base))


@dataclass(frozen=True)
class AnswerSentiment:
    """Each answer's sentiment (-1..1) and whether it contradicts its rating."""

    scores: np.ndarray
    disagrees: np.ndarray

    @property
    def stances(self) -> list[str]:
        """Each answer's stance (:func:`stances_of` its score)."""
        return stances_of(self.scores)


def adapted_model(
    texts: Sequence[str],
    ratings: Sequence[int | None],
    asks_for: Sequence[str],
    *,
    model: SentimentModel,
) -> SentimentModel:
    """The shipped model refitted with each answer's :func:`weak_label`."""
    labelled = [
        (text, label)
        for text, rating, asks in zip(texts, ratings, asks_for, strict=True)
        if (label := weak_label(rating, asks)) is not None and text.strip()
    ]
    return adapt(
        model,
        [text for text, _ in labelled],
        [label for _, label in labelled],
        weight=WEAK_LABEL_WEIGHT,
    )


def answer_sentiments(
    texts: Sequence[str],
    ratings: Sequence[int | None],
    asks_for: Sequence[str] | None = None,
    *,
    representation: str,
    model: str | None = None,
) -> AnswerSentiment:
    """Score every answer with the sentiment model adapted to this deployment.

    The shipped model is refitted with the answers' weak labels, so it learns
    how this deployment's customers complain. An answer is flagged as
    contradicting its rating only when both the shipped model (which has not
    learned to agree with the ratings) and the adapted one (which knows this
    deployment's words) read it the opposite way: either alone flagged plain
    complaints such as "long hold time before support picked up".

    Parameters
    ----------
    texts : sequence of str
    ratings : sequence of int or None
        The NPS rating of each answer's response.
    asks_for : sequence of str, optional
        What each answer's question asks for (``Question.asks_for``); default
        "any" for every answer.
    representation : str
        "tfidf" or "semantic", as the themes.
    model : str, optional
        The sentence embedding model of the semantic representation.
    """
    texts = [str(text) for text in texts]
    asks_for = list(asks_for) if asks_for is not None else ["any"] * len(texts)
    base = default_model(representation=representation, model=model)
    adapted = adapted_model(texts, ratings, asks_for, model=base)
    in_light = [
        rating_in_light(rating, asks)
        for rating, asks in zip(ratings, asks_for, strict=True)
    ]
    flags = np.zeros(len(texts), dtype=bool)
    both = {found.index for found in disagreements(texts, in_light, model=base)}
    both &= {found.index for found in disagreements(texts, in_light, model=adapted)}
    flags[sorted(both)] = True
    return AnswerSentiment(sentiment_scores(texts, model=adapted), flags)
