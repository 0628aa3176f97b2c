"""What a theme's answers feel and rate: its sentiment, NPS and drag on NPS.

:class:`analysis.themes.ThemeModel` describes each theme with the mean sentiment of
its answers and, given ratings, its NPS and how much it pulls the overall NPS
down. These are the pieces that turn a cluster into a priority; they live apart
from the clustering so that each reads on its own.
"""

import sys
from collections.abc import Sequence

import numpy as np
from tqdm import tqdm

from analysis.scores import nps, nps_from_counts

__all__ = ["nps_counts", "theme_nps", "theme_sentiments"]

# A theme's mean sentiment needs no more than this many of its answers.
_SENTIMENT_SAMPLE = 200


def theme_sentiments(
    texts: list[str], members: list[np.ndarray], show: bool
) -> list[np.ndarray]:
    """Sentiment (-1..1) of a sample of each theme's answers, by theme.

    :func:`analysis.sentiment.sentiment_scores` with its TF-IDF model: it reads
    complaints in English and Japanese, and it costs no embedding pass, which a
    run on stored embeddings must not pay. A theme's mean needs no more than
    :data:`_SENTIMENT_SAMPLE` answers, spread evenly from its closest to its
    farthest; smaller themes are scored in full.
    """
    from analysis.sentiment import default_model, sentiment_scores

    samples = [
        rows[np.unique(np.linspace(0, len(rows) - 1, _SENTIMENT_SAMPLE).astype(int))]
        if len(rows) > _SENTIMENT_SAMPLE
        else rows
        for rows in members
    ]
    # Survey exports repeat answers ("good", "no"): score each text once.
    distinct = list(dict.fromkeys(texts[i] for rows in samples for i in rows))
    scores = dict(
        zip(
            distinct,
            sentiment_scores(
                list(
                    tqdm(
                        distinct,
                        desc="sentiment",
                        file=sys.stderr,
                        disable=None if show else True,
                    )
                ),
                model=default_model(representation="tfidf"),
            ).tolist(),
            strict=True,
        )
    )
    return [np.array([scores[texts[i]] for i in rows]) for rows in samples]


def nps_counts(
    ratings: Sequence[int | None] | None, labels: np.ndarray, k: int
) -> np.ndarray | None:
    """Promoters, passives and detractors per theme (rows 0..k-1) and overall (k)."""
    if ratings is None:
        return None
    rated = [i for i, r in enumerate(ratings) if r is not None]
    # nps() validates strictly (whole numbers 0-10) and names a bad value.
    nps([ratings[i] for i in rated])  # type: ignore[misc]
    values = np.array([ratings[i] for i in rated], dtype=float)
    kind = np.select([values >= 9, values >= 7], [0, 1], default=2)
    theme = labels[rated]
    counts = np.zeros((k + 1, 3), dtype=int)
    np.add.at(counts, (np.where(theme >= 0, theme, k), kind), 1)
    counts[k] = counts.sum(axis=0)
    return counts


def theme_nps(counts: np.ndarray | None, t: int) -> tuple[float | None, float | None]:
    """A theme's NPS and its drag: overall NPS minus the NPS without the theme."""
    if counts is None or counts[t].sum() == 0:
        return None, None
    score = nps_from_counts(*(int(c) for c in counts[t])).score
    theme = None if score is None else round(score, 2)
    outside = counts[-1] - counts[t]
    if outside.sum() == 0:
        return theme, None
    overall = nps_from_counts(*(int(c) for c in counts[-1])).score
    without = nps_from_counts(*(int(c) for c in outside)).score
    if overall is None or without is None:
        return theme, None
    return theme, round(overall - without, 2)
