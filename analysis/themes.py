"""Themes: what customers talk about, as specific, explained and stable clusters.

An advocate trusts a theme only when it is specific ("card not arrived", not "card,
account, money"), shows its evidence and is still the same theme next month. So:

* :class:`ThemeModel` turns answers into TF-IDF vectors of stemmed words and
  *skip-bigrams* (two words of the same answer, at most eight content words apart,
  in either order; on banking77 they cluster clearly better than adjacent bigrams,
  0.32 against 0.27 ARI), reduces them with LSA (``TruncatedSVD``) and clusters the
  unit-length result with k-means. The number of themes is chosen by silhouette on
  a sample, between ``min_themes`` and ``min(2 sqrt(n), n / 10)`` capped at
  ``max_themes``: the smallest k that scores within 0.02 of the best, as fewer
  themes are easier to own. (Survey answers hold many small topics; with at most
  ``sqrt(n)`` themes, k-means had to merge unrelated ones: on the demo's answers,
  only 55% of a theme's answers were about its main department.) Each centre is
  then re-centred on the answers close to it, so a catch-all cluster dissolves
  instead of holding leftovers. Hedges and bare praise ("honestly", "great") are
  stop words and Japanese and Chinese text is cut into word chunks
  (:mod:`analysis.text`), so neither drives a theme.
* An answer is *unclear* (label ``-1``) rather than stretching a theme when its
  cosine similarity to every theme centre is below ``min_similarity``, or it has
  fewer than ``min_words`` known words ("No, all good so far.", "n/a").
* One assignment code path: ``fit`` labels its own answers with the projection and
  nearest-centre rule that :meth:`ThemeModel.predict` applies to the answers that
  arrive between runs, so ``predict(training texts)`` equals ``labels_``.
* Each :class:`Theme` carries top terms from class-based TF-IDF (the theme's words
  against all other themes; stop words are never features), a label that is a
  phrase its answers actually wrote (the common one that best matches those terms,
  e.g. "card has not arrived"; a word chunk for Japanese, never a sentence), its size,
  up to five distinct quotes closest to its centre, mean VADER sentiment and, given
  ratings, its NPS and its drag on overall NPS.
* Identity across runs: :func:`match_themes` pairs a new run's themes with the
  previous run's by cosine similarity of their *term* centroids (mean TF-IDF vector,
  keyed by feature string, so two runs with different vocabularies compare) and the
  Hungarian algorithm; ``fit(..., previous=old.term_centroids_)`` gives matched
  themes their old ids, so the app keeps each theme's status and owner.

A fitted model is plain Python and NumPy state and pickles with ``joblib.dump`` (or
``pickle``); the app stores it to assign new answers later. ``python -m analysis
themes`` (:func:`cli`) runs it all on any CSV.
"""

import argparse
import csv
import json
import math
import os
import re
import sys
import warnings
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import linear_sum_assignment
from sklearn.base import BaseEstimator
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from analysis.csv_input import InputError, read_rows
from analysis.scores import nps, nps_from_counts
from analysis.text import (
    NEGATIONS,
    content_words,
    is_content_word,
    normalise,
    sentiments,
    stem,
    tokenise,
)

__all__ = [
    "PAIR_WINDOW",
    "UNCLEAR",
    "Theme",
    "ThemeModel",
    "answer_features",
    "cli",
    "match_themes",
]

#: Label of an answer too far from every theme.
UNCLEAR = -1

#: Two content words form a skip-bigram when fewer than this many words apart.
PAIR_WINDOW = 8

_NEGATION_STEMS = frozenset(stem(word) for word in NEGATIONS)
# Above this many answers, full-batch k-means is too slow for the 60 s budget.
_MINIBATCH_ABOVE = 20_000
_SVD_SAMPLE = 30_000
_SILHOUETTE_SAMPLE = 3_000
_K_CANDIDATES = 10
_K_TOLERANCE = 0.02
# The largest k tried: 2 sqrt(n) themes, but ten answers per theme on average at
# least (silhouette keeps rising as near-duplicates get clusters of their own).
_K_PER_ROOT = 2.0
_K_MEAN_SIZE = 10
_CENTROID_TERMS = 200
_RENDER_SAMPLE = 150
_LABEL_STEMS = 3
_LABEL_SPAN = 6
# Labels never run across these: "afternoon, paperwork included" is two thoughts.
_CLAUSE_BREAK = re.compile(r"[,.;:!?()\u3001\u3002\uff01\uff1f]+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_PROGRESS_ABOVE = 2_000
_TRIM_ROUNDS = 3


@dataclass(frozen=True)
class Theme:
    """One theme of a fitted :class:`ThemeModel`, with its evidence.

    Attributes
    ----------
    id : int
        Stable identifier: ``0..k-1`` by decreasing size on a first run; a theme
        matched to a previous run's keeps that run's id, a new one gets the next
        unused id.
    label : str
        A short human-readable phrase, e.g. ``"card not arrived"``.
    terms : tuple of str
        Top terms by class-based TF-IDF, best first, in their usual surface form.
    size : int
        Number of answers in the theme.
    quotes : tuple of str
        Up to five answers closest to the theme's centre, no two alike.
    sentiment : float
        Mean VADER compound sentiment of the answers, in [-1, 1].
    nps : float or None
        NPS of the answers that have a rating; ``None`` without ratings.
    nps_drag : float or None
        Overall NPS minus the NPS of all rated answers outside this theme, in NPS
        points: negative when the theme pulls the overall score down.
    """

    id: int
    label: str
    terms: tuple[str, ...]
    size: int
    quotes: tuple[str, ...]
    sentiment: float
    nps: float | None = None
    nps_drag: float | None = None


def answer_features(text: str) -> list[str]:
    """Return the features of one answer: word stems and skip-bigrams of stems.

    Parameters
    ----------
    text : str
        A free-text answer.

    Returns
    -------
    list of str
        Stems of :func:`analysis.text.content_words` (stop words gone, negations
        kept), then every pair of different stems fewer than :data:`PAIR_WINDOW`
        words apart, as ``"a b"`` in alphabetical order.

    Examples
    --------
    >>> answer_features("My card has not arrived")
    ['card', 'not', 'arriv', 'card not', 'arriv card', 'arriv not']
    """
    stems = [stem(word) for word in content_words(text)]
    features = list(stems)
    for i, first in enumerate(stems):
        for second in stems[i + 1 : i + PAIR_WINDOW]:
            if first < second:
                features.append(f"{first} {second}")
            elif second < first:
                features.append(f"{second} {first}")
    return features


def _unit_vector(weights: Mapping[str, float]) -> dict[str, float]:
    """Scale a sparse term vector to unit length (empty stays empty)."""
    length = math.sqrt(sum(w * w for w in weights.values()))
    return {term: w / length for term, w in weights.items()} if length else {}


def match_themes(
    previous: Mapping[Hashable, Mapping[str, float]],
    current: Sequence[Mapping[str, float]],
    *,
    min_similarity: float = 0.5,
) -> dict[Hashable, int]:
    """Match previous themes to current ones by term-centroid cosine similarity.

    Each previous theme is paired with at most one current theme so that the total
    similarity is largest (Hungarian assignment); a pair less similar than
    ``min_similarity`` is dropped, so the current theme counts as new and the
    previous one as gone.

    Parameters
    ----------
    previous : mapping of id to {term: weight}
        The previous run's term centroids, e.g. ``old_model.term_centroids_``.
    current : sequence of {term: weight}
        The new run's term centroids, by theme index.
    min_similarity : float, default 0.5
        Cosine similarity below which a pair does not count as the same theme.

    Returns
    -------
    dict
        Previous theme id -> index of the current theme it continues.

    Examples
    --------
    >>> old = {7: {"card": 0.8, "arriv": 0.6}, 9: {"refund": 1.0}}
    >>> new = [{"refund": 0.9, "want": 0.1}, {"pin": 1.0}, {"arriv": 0.7, "card": 0.7}]
    >>> match_themes(old, new)
    {7: 2, 9: 0}
    """
    old_ids = list(previous)
    if not old_ids or not current:
        return {}
    old_vectors = [_unit_vector(previous[i]) for i in old_ids]
    new_vectors = [_unit_vector(c) for c in current]
    similarity = np.array(
        [
            [
                sum(w * new.get(term, 0.0) for term, w in old.items())
                for new in new_vectors
            ]
            for old in old_vectors
        ]
    )
    rows, columns = linear_sum_assignment(similarity, maximize=True)
    return {
        old_ids[r]: int(c)
        for r, c in zip(rows, columns, strict=True)
        if similarity[r, c] >= min_similarity
    }


def _progress(items: Iterable, *, total: int, desc: str, enabled: bool) -> Iterable:
    """Wrap ``items`` in a tqdm bar on stderr when enabled (and stderr is a TTY)."""
    if not enabled:
        return items
    return tqdm(items, total=total, desc=desc, file=sys.stderr, disable=None)


class ThemeModel(BaseEstimator):
    """Cluster free-text answers into specific, explained, stable themes.

    TF-IDF over stems and skip-bigrams (:func:`answer_features`), LSA, then k-means
    on unit vectors (cosine geometry). Fitting is deterministic for a given
    ``random_state``. Answers farther than ``min_similarity`` from every theme
    centre are unclear (label :data:`UNCLEAR`).

    Parameters
    ----------
    n_themes : int or "auto", default "auto"
        Number of k-means clusters, or "auto" to choose it by silhouette on a
        sample of at most 3,000 answers, among about ten values between
        ``min_themes`` and ``min(max_themes, 2 sqrt(n), n / 10)``: the smallest k
        whose silhouette is within 0.02 of the best.
    min_themes, max_themes : int, default 2 and 120
        Bounds of the automatic choice.
    n_components : int, default 100
        LSA dimensions (fewer when the data has fewer words or answers).
    min_df : int, default 2
        A feature must occur in this many answers to count.
    min_similarity : float, default 0.3
        Cosine similarity to the nearest theme centre below which an answer is
        unclear.
    min_words : int, default 2
        An answer with fewer distinct known words (stems that are not negations,
        hedges or stop words) is unclear, however close it is to a theme: "No, all
        good so far." or "n/a" says nothing a theme could be about.
    min_theme_size : int, default 3
        Clusters smaller than this are dissolved; their answers go to the nearest
        remaining theme or to unclear.
    n_terms, n_quotes : int, default 10 and 5
        Top terms and representative quotes kept per theme.
    min_match_similarity : float, default 0.5
        Passed to :func:`match_themes` when ``fit`` is given previous centroids.
    random_state : int, default 0
        Seed of the SVD, the k sample and k-means.
    verbose : bool, default False
        Show tqdm progress bars on stderr (only when it is a terminal).

    Attributes
    ----------
    vectorizer_ : CountVectorizer
        Feature counts (:func:`answer_features` as its analyzer).
    word_features_ : ndarray of bool
        Which of ``vectorizer_``'s features are single words (not pairs, not
        negations): what ``min_words`` counts.
    tfidf_ : TfidfTransformer
        Sublinear TF-IDF weights of ``vectorizer_``'s counts.
    svd_ : TruncatedSVD
        The LSA projection.
    centroids_ : ndarray of shape (n_themes_, n_components)
        Unit-length theme centres in LSA space, in the order of ``themes_``.
    labels_ : ndarray of shape (n_answers,)
        Index into ``themes_`` of each training answer, or -1 when unclear.
    similarities_ : ndarray of shape (n_answers,)
        Cosine similarity of each training answer to its nearest centre.
    themes_ : list of Theme
        The themes, largest first.
    n_themes_ : int
        Number of themes.
    k_scores_ : dict of int to float
        Silhouette of each candidate k (empty when ``n_themes`` is an int).
    term_centroids_ : dict of int to {term: weight}
        Each theme's mean TF-IDF vector (top 200 features, unit length), keyed by
        theme id: what the next run passes as ``fit(..., previous=...)``.

    Examples
    --------
    >>> answers = ["my card has not arrived", "card still not arrived",
    ...            "the card has not arrived yet", "card never arrived",
    ...            "where is my card", "I want a refund for my order",
    ...            "refund my order please", "no refund for my order yet",
    ...            "how do I get a refund"]
    >>> model = ThemeModel(n_themes=2, min_df=1).fit(answers)
    >>> [(theme.id, theme.label, theme.size) for theme in model.themes_]
    [(0, 'not arrived', 4), (1, 'refund for my order', 3)]
    >>> model.themes_[0].terms[:4]
    ('card', 'card arrived', 'card not', 'not arrived')

    One known word says too little to join a theme (``min_words``):

    >>> model.labels_.tolist()
    [0, 0, 0, 0, -1, 1, 1, 1, -1]
    >>> model.predict(["my new card has not arrived", "zebra", "card?"]).tolist()
    [0, -1, -1]
    """

    def __init__(
        self,
        *,
        n_themes: int | str = "auto",
        min_themes: int = 2,
        max_themes: int = 120,
        n_components: int = 100,
        min_df: int = 2,
        min_similarity: float = 0.3,
        min_words: int = 2,
        min_theme_size: int = 3,
        n_terms: int = 10,
        n_quotes: int = 5,
        min_match_similarity: float = 0.5,
        random_state: int = 0,
        verbose: bool = False,
    ) -> None:
        self.n_themes = n_themes
        self.min_themes = min_themes
        self.max_themes = max_themes
        self.n_components = n_components
        self.min_df = min_df
        self.min_similarity = min_similarity
        self.min_words = min_words
        self.min_theme_size = min_theme_size
        self.n_terms = n_terms
        self.n_quotes = n_quotes
        self.min_match_similarity = min_match_similarity
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fitting

    def fit(
        self,
        texts: Sequence[str],
        y: None = None,
        *,
        ratings: Sequence[int | None] | None = None,
        previous: Mapping[int, Mapping[str, float]] | None = None,
    ) -> "ThemeModel":
        """Learn themes from answers.

        Parameters
        ----------
        texts : sequence of str
            Free-text answers.
        y : None
            Ignored (scikit-learn convention).
        ratings : sequence of int or None, optional
            The 0-10 NPS rating of the response each answer belongs to, ``None``
            where there is none; enables ``Theme.nps`` and ``Theme.nps_drag``.
        previous : mapping of int to {term: weight}, optional
            A previous run's ``term_centroids_``: themes matched to one of them
            (see :func:`match_themes`) keep its id.

        Returns
        -------
        ThemeModel
            ``self``, fitted.

        Raises
        ------
        ValueError
            If there are fewer than two answers with words, or ``ratings`` does not
            have one entry per answer.
        """
        texts = [str(t) for t in texts]
        if ratings is not None and len(ratings) != len(texts):
            raise ValueError(
                f"ratings has {len(ratings)} entries but there are {len(texts)} texts"
            )
        # One thread: on a busy two-core machine BLAS and OpenMP threads made a
        # 60-answer fit ten times and a 100,000-answer fit twice as slow.
        with threadpool_limits(limits=1):
            return self._fit(texts, ratings, previous)

    def _fit(
        self,
        texts: list[str],
        ratings: Sequence[int | None] | None,
        previous: Mapping[int, Mapping[str, float]] | None,
    ) -> "ThemeModel":
        """Fit on validated input (see :meth:`fit`)."""
        show = self.verbose and len(texts) >= _PROGRESS_ABOVE
        self.vectorizer_ = CountVectorizer(
            analyzer=answer_features, min_df=self.min_df, dtype=np.float64
        )
        try:
            counts = self.vectorizer_.fit_transform(
                _progress(texts, total=len(texts), desc="preparing", enabled=show)
            )
        except ValueError as error:
            raise ValueError(
                f"no feature occurs in {self.min_df}+ answers; themes need more text"
            ) from error
        n_answers, n_features = counts.shape
        if n_features < 2 or n_answers < 2:
            raise ValueError("themes need at least two answers and two distinct words")
        features = self.vectorizer_.get_feature_names_out()
        self.word_features_ = np.array(
            [" " not in f and f not in _NEGATION_STEMS for f in features]
        )
        n_words = self._word_counts(counts)
        self.tfidf_ = TfidfTransformer(sublinear_tf=True).fit(counts)
        tfidf = self.tfidf_.transform(counts)
        self.svd_ = TruncatedSVD(
            n_components=max(1, min(self.n_components, n_features - 1, n_answers - 1)),
            random_state=self.random_state,
        )
        # A random sample spans the same topics; beyond it SVD time only grows.
        rows = np.arange(n_answers)
        if n_answers > _SVD_SAMPLE:
            rows = np.random.default_rng(self.random_state).choice(
                n_answers, _SVD_SAMPLE, replace=False
            )
        self.svd_.fit(tfidf[np.sort(rows)])
        embedded = self._embed(tfidf)
        with_words = np.flatnonzero(
            (np.linalg.norm(embedded, axis=1) > 0) & (n_words >= self.min_words)
        )
        if with_words.size < 2:
            raise ValueError("themes need at least two answers with known words")
        points = embedded[with_words]
        self.k_scores_ = {}
        k = self._choose_k(points, show=show)
        self.centroids_ = self._trimmed(points, self._cluster(points, k))
        self.labels_, self.similarities_ = self._assign(embedded, n_words)
        self._order_and_prune(embedded, n_words)
        self.n_themes_ = len(self.centroids_)
        self.term_centroids_ = {}
        self.themes_ = self._describe(texts, counts, tfidf, ratings, previous, show)
        return self

    def _embed(self, tfidf: sparse.spmatrix) -> np.ndarray:
        """Project TF-IDF rows to unit-length LSA vectors (zero rows stay zero)."""
        return normalize(self.svd_.transform(tfidf))

    def _word_counts(self, counts: sparse.spmatrix) -> np.ndarray:
        """Distinct known words (not pairs, not negations) of each answer."""
        if not hasattr(self, "word_features_"):  # pickled before min_words existed
            return np.full(counts.shape[0], self.min_words)
        words = sparse.csr_matrix(counts)[:, np.flatnonzero(self.word_features_)]
        return np.diff(words.indptr)

    def _assign(
        self, embedded: np.ndarray, n_words: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Nearest centre of each row and its cosine; -1 when below the threshold."""
        if len(self.centroids_) == 0:
            zeros = np.zeros(len(embedded))
            return np.full(len(embedded), UNCLEAR), zeros
        similarity = embedded @ self.centroids_.T
        nearest = similarity.argmax(axis=1)
        best = similarity[np.arange(len(embedded)), nearest]
        labels = np.where(best >= self.min_similarity, nearest, UNCLEAR)
        # An answer with no known word has no direction: never a theme's member;
        # one or two words ("all good", "n/a") say too little to belong anywhere.
        labels[np.linalg.norm(embedded, axis=1) == 0] = UNCLEAR
        labels[n_words < self.min_words] = UNCLEAR
        return labels.astype(np.intp), best

    def _choose_k(self, points: np.ndarray, *, show: bool) -> int:
        """Number of clusters: fixed, or the best silhouette on a sample."""
        if self.n_themes != "auto":
            return max(1, min(int(self.n_themes), len(points)))
        rng = np.random.default_rng(self.random_state)
        sample = points
        if len(points) > _SILHOUETTE_SAMPLE:
            sample = points[rng.choice(len(points), _SILHOUETTE_SAMPLE, replace=False)]
        # Silhouette needs k below the number of distinct points it is computed on.
        distinct = len(np.unique(sample.round(6), axis=0))
        upper = min(
            self.max_themes,
            max(
                self.min_themes,
                round(
                    min(
                        _K_PER_ROOT * math.sqrt(len(points)), len(points) / _K_MEAN_SIZE
                    )
                ),
            ),
            distinct - 1,
        )
        lower = min(self.min_themes, upper)
        if upper < 2:
            return max(1, upper)
        candidates = np.unique(
            np.round(np.geomspace(max(lower, 2), upper, _K_CANDIDATES)).astype(int)
        )
        for k in _progress(candidates, total=len(candidates), desc="k", enabled=show):
            labels = KMeans(
                n_clusters=int(k), n_init=2, random_state=self.random_state
            ).fit_predict(sample)
            if len(np.unique(labels)) < 2:
                continue
            self.k_scores_[int(k)] = float(silhouette_score(sample, labels))
        if not self.k_scores_:
            return int(lower)
        # Fewer themes are easier to own: take the smallest k that is about as good.
        best = max(self.k_scores_.values())
        return min(k for k, s in self.k_scores_.items() if s >= best - _K_TOLERANCE)

    def _cluster(self, points: np.ndarray, k: int) -> np.ndarray:
        """Unit-length k-means centres of ``points``."""
        if k <= 1:
            return normalize(points.mean(axis=0, keepdims=True))
        if len(points) > _MINIBATCH_ABOVE:
            kmeans = MiniBatchKMeans(
                n_clusters=k, n_init=3, batch_size=4096, random_state=self.random_state
            )
        else:
            kmeans = KMeans(n_clusters=k, n_init=3, random_state=self.random_state)
        with warnings.catch_warnings():
            # Near-duplicate answers can leave fewer distinct points than k; the
            # empty clusters are then pruned like any other tiny one.
            warnings.simplefilter("ignore", ConvergenceWarning)
            kmeans.fit(points)
        return normalize(kmeans.cluster_centers_)

    def _trimmed(self, points: np.ndarray, centroids: np.ndarray) -> np.ndarray:
        """Re-centre each cluster on the members that are close enough to it.

        k-means must place every answer, so answers that fit no cluster drag some
        centres into catch-all mixtures; re-centring on the members above
        ``min_similarity`` lets such a centre move to its real topic or lose its
        members, and the mixture's answers become unclear instead.
        """
        for _ in range(_TRIM_ROUNDS):
            if len(centroids) == 0:
                break
            similarity = points @ centroids.T
            nearest = similarity.argmax(axis=1)
            core = similarity[np.arange(len(points)), nearest] >= self.min_similarity
            sums = np.zeros_like(centroids)
            np.add.at(sums, nearest[core], points[core])
            kept = np.bincount(nearest[core], minlength=len(centroids)) > 0
            centroids = normalize(sums[kept])
        return centroids

    def _order_and_prune(self, embedded: np.ndarray, n_words: np.ndarray) -> None:
        """Dissolve clusters below ``min_theme_size``, then order by size."""
        for _ in range(5):
            sizes = np.bincount(
                self.labels_[self.labels_ >= 0], minlength=len(self.centroids_)
            )
            keep = sizes >= self.min_theme_size
            if keep.all():
                break
            self.centroids_ = self.centroids_[keep]
            self.labels_, self.similarities_ = self._assign(embedded, n_words)
        sizes = np.bincount(
            self.labels_[self.labels_ >= 0], minlength=len(self.centroids_)
        )
        order = np.argsort(-sizes, kind="stable")
        self.centroids_ = self.centroids_[order]
        self.labels_, self.similarities_ = self._assign(embedded, n_words)

    # ------------------------------------------------------------- describing

    def _describe(
        self,
        texts: list[str],
        counts: sparse.csr_matrix,
        tfidf: sparse.csr_matrix,
        ratings: Sequence[int | None] | None,
        previous: Mapping[int, Mapping[str, float]] | None,
        show: bool,
    ) -> list[Theme]:
        """Build each theme's terms, label, quotes, sentiment, NPS and id."""
        k = len(self.centroids_)
        if k == 0:
            return []
        themed = np.flatnonzero(self.labels_ >= 0)
        membership = sparse.csr_matrix(
            (np.ones(themed.size), (self.labels_[themed], themed)),
            shape=(k, len(texts)),
        )
        features = self.vectorizer_.get_feature_names_out()
        term_scores = _class_tfidf(membership @ counts)
        mean_tfidf = normalize(membership @ tfidf)
        centroids = [_top_weights(mean_tfidf, t, features) for t in range(k)]
        ids = self._theme_ids(centroids, previous)
        self.term_centroids_ = dict(zip(ids, centroids, strict=True))
        # Survey exports repeat answers ("good", "no"): score each text once.
        distinct = list(dict.fromkeys(texts[i] for i in themed))
        scores = dict(
            zip(
                distinct,
                sentiments(
                    _progress(
                        distinct, total=len(distinct), desc="sentiment", enabled=show
                    )
                ),
                strict=True,
            )
        )
        polarity = np.zeros(len(texts))
        polarity[themed] = [scores[texts[i]] for i in themed]
        nps_counts = _nps_counts(ratings, self.labels_, k)
        themes = []
        for t in range(k):
            members = np.flatnonzero(self.labels_ == t)
            closest = members[np.argsort(-self.similarities_[members], kind="stable")]
            terms, label = _terms_and_label(
                term_scores,
                t,
                features,
                [texts[i] for i in closest[:_RENDER_SAMPLE]],
                n_terms=self.n_terms,
            )
            theme_nps, drag = _theme_nps(nps_counts, t)
            themes.append(
                Theme(
                    id=ids[t],
                    label=label,
                    terms=terms,
                    size=int(members.size),
                    quotes=_distinct_quotes(texts, closest, self.n_quotes),
                    sentiment=round(float(polarity[members].mean()), 4),
                    nps=theme_nps,
                    nps_drag=drag,
                )
            )
        return themes

    def _theme_ids(
        self,
        centroids: list[dict[str, float]],
        previous: Mapping[int, Mapping[str, float]] | None,
    ) -> list[int]:
        """Ids by index: matched themes keep the previous id, others get new ones."""
        if not previous:
            return list(range(len(centroids)))
        matched = match_themes(
            previous, centroids, min_similarity=self.min_match_similarity
        )
        ids: list[int | None] = [None] * len(centroids)
        for old_id, index in matched.items():
            ids[index] = int(old_id)
        next_id = max(int(i) for i in previous) + 1
        for index, theme_id in enumerate(ids):
            if theme_id is None:
                ids[index] = next_id
                next_id += 1
        return [int(i) for i in ids]  # type: ignore[arg-type]

    # ------------------------------------------------------------- assigning

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """Assign answers to the fitted themes, the same way ``fit`` did.

        Parameters
        ----------
        texts : sequence of str
            Free-text answers, e.g. those that arrived since the last fit.

        Returns
        -------
        ndarray of int
            Index into ``themes_`` of each answer, or :data:`UNCLEAR` (-1).
        """
        return self.predict_with_similarity(texts)[0]

    def predict_with_similarity(
        self, texts: Sequence[str]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Assign answers and return the cosine similarity to their nearest theme.

        Parameters
        ----------
        texts : sequence of str
            Free-text answers.

        Returns
        -------
        labels : ndarray of int
            As :meth:`predict`.
        similarities : ndarray of float
            Cosine similarity to the nearest theme centre (0 without known words).
        """
        check_is_fitted(self, "centroids_")
        texts = [str(t) for t in texts]
        if not texts:
            return np.empty(0, dtype=np.intp), np.empty(0)
        with threadpool_limits(limits=1):
            counts = self.vectorizer_.transform(texts)
            embedded = self._embed(self.tfidf_.transform(counts))
            return self._assign(embedded, self._word_counts(counts))


def _class_tfidf(class_counts: sparse.spmatrix) -> sparse.csr_matrix:
    """Class-based TF-IDF (Grootendorst 2022), one row per theme.

    A term's share of the theme's words times ``log(1 + A / f)``, where ``A`` is the
    mean number of words per theme and ``f`` the term's count over all themes.
    """
    class_counts = sparse.csr_matrix(class_counts)
    term_totals = np.asarray(class_counts.sum(axis=0)).ravel()
    average = class_counts.sum() / class_counts.shape[0]
    idf = np.log1p(average / np.maximum(term_totals, 1e-12))
    return sparse.csr_matrix(normalize(class_counts, norm="l1") @ sparse.diags(idf))


def _top_weights(
    matrix: sparse.csr_matrix, row: int, features: np.ndarray
) -> dict[str, float]:
    """The largest weights of one sparse row as {feature: weight}, unit length."""
    start, end = matrix.indptr[row], matrix.indptr[row + 1]
    columns, weights = matrix.indices[start:end], matrix.data[start:end]
    top = np.argsort(-weights, kind="stable")[:_CENTROID_TERMS]
    return _unit_vector({str(features[columns[i]]): float(weights[i]) for i in top})


def _terms_and_label(
    scores: sparse.csr_matrix,
    row: int,
    features: np.ndarray,
    member_texts: list[str],
    *,
    n_terms: int,
) -> tuple[tuple[str, ...], str]:
    """Readable top terms of one theme, and a label phrase that contains the best."""
    start, end = scores.indptr[row], scores.indptr[row + 1]
    columns, weights = scores.indices[start:end], scores.data[start:end]
    ranked = [str(features[columns[i]]) for i in np.argsort(-weights, kind="stable")]
    # "not" alone says nothing; it stays inside pairs such as "not arrived".
    ranked = [f for f in ranked if not set(f.split()) <= _NEGATION_STEMS]
    tokens = [tokenise(text) for text in member_texts]
    surface, order = _usage(tokens)
    terms: list[str] = []
    shown: set[str] = set()
    for feature in ranked:
        stems = feature.split()
        if (
            len(stems) == 2
            and order[(stems[1], stems[0])] > order[(stems[0], stems[1])]
        ):
            stems.reverse()
        if len(stems) == 1 and stems[0] in shown:
            continue  # "rate" adds nothing after "exchange rate"
        rendered = " ".join(surface.get(s, s) for s in stems)
        if rendered not in terms:
            terms.append(rendered)
            shown.update(stems)
        if len(terms) == n_terms:
            break
    weights = {
        str(features[c]): float(w) for c, w in zip(columns, weights, strict=True)
    }
    clauses = [
        [tokenise(clause) for clause in _CLAUSE_BREAK.split(text)]
        for text in member_texts
    ]
    label = _phrase_label(clauses, weights)
    if label is not None:
        label = _as_written(label, member_texts)
    else:
        key: list[str] = []
        for feature in ranked[:n_terms]:
            new = [s for s in feature.split() if s not in key]
            if len(key) + len(new) <= _LABEL_STEMS:
                key.extend(new)
            if len(key) == _LABEL_STEMS:
                break
        label = _label(tokens, key, surface, order)
    return tuple(terms), label


def _phrase_label(
    answers: list[list[list[str]]], weights: Mapping[str, float]
) -> str | None:
    """The phrase of the theme's answers that best says what sets the theme apart.

    Candidates are runs of one to :data:`_LABEL_SPAN` consecutive words of the
    member answers' clauses (never across a comma or a full stop) that begin and
    end on a content word (never on a hedge, a stop word or a trailing negation)
    and hold at most :data:`_LABEL_STEMS` content words; a Chinese or Japanese
    chunk stands alone. Each scores the squared share of answers that contain it
    (a label must speak for most of the theme) times the class-based TF-IDF
    weight of its stems and stem pairs, so a label is both common in the theme
    and specific to it; single words count 0.3, as "invoice" says less than
    "invoice was wrong". ``None`` when no phrase occurs in two answers.
    """
    if not weights:
        return None
    top = max(weights.values())
    found: Counter = Counter()
    for clauses in answers:
        spans: set[tuple[str, ...]] = set()
        for words in clauses:
            spans.update(_spans(words))
        found.update(spans)
    scores: dict[tuple[str, ...], float] = {}
    for span, count in found.items():
        if count < 2:
            continue
        span_stems = list(dict.fromkeys(stem(w) for w in span if is_content_word(w)))
        weight = sum(weights.get(s, 0.0) for s in span_stems)
        weight += sum(
            weights.get(f"{min(a, b)} {max(a, b)}", 0.0)
            for n, a in enumerate(span_stems)
            for b in span_stems[n + 1 :]
        )
        share = count / len(answers)
        unigram = 0.3 if len(span) == 1 else 1.0
        scores[span] = round(share * share * weight / top * unigram, 9)
    if not scores:
        return None
    # Ties go to the shorter phrase, then alphabetically: sets have no stable order.
    best = min(scores, key=lambda span: (-scores[span], len(span), span))
    return " ".join(best)


def _spans(words: list[str]) -> set[tuple[str, ...]]:
    """Candidate label phrases of one clause (see :func:`_phrase_label`)."""
    stems = [stem(w) if is_content_word(w) else None for w in words]
    spans: set[tuple[str, ...]] = set()
    for i, first in enumerate(stems):
        if first is None:
            continue
        if _CJK.search(words[i]):
            spans.add((words[i],))
            continue
        content = 0
        for j in range(i, min(len(words), i + _LABEL_SPAN)):
            if _CJK.search(words[j]):
                break
            if stems[j] is None:
                continue
            content += 1
            if content > _LABEL_STEMS:
                break
            if words[j] not in NEGATIONS:
                spans.add(tuple(words[i : j + 1]))
    return spans


def _as_written(phrase: str, texts: list[str]) -> str:
    """``phrase`` (tokens joined by spaces) as the first answer holding it wrote it.

    Tokenising drops clitics and punctuation ("it's" is "it"); the answer's own
    words, lower-cased, read better. The tokens themselves when no answer matches.
    """
    words = phrase.split()
    if len(words) < 2:
        return phrase
    # Between two tokens: a clitic ("'s"), then punctuation or spaces; "not" may
    # have been "n't" ("can't", "dont").
    gap = r"(?:'\w+)?[\W_]+"
    pattern = re.escape(words[0])
    for word in words[1:]:
        pattern += rf"(?:n?'?t|{gap}not)" if word == "not" else gap + re.escape(word)
    pattern = re.compile(rf"(?<!\w){pattern}(?!\w)")
    for text in texts:
        match = pattern.search(normalise(text))
        if match:
            return match.group(0)
    return phrase


def _usage(tokens: list[list[str]]) -> tuple[dict[str, str], Counter]:
    """How a theme's answers write its stems: commonest surface form, pair order."""
    forms: dict[str, Counter] = {}
    order: Counter = Counter()
    for words in tokens:
        first: dict[str, int] = {}
        for index, word in enumerate(words):
            if not is_content_word(word):
                continue
            s = stem(word)
            forms.setdefault(s, Counter())[word] += 1
            first.setdefault(s, index)
        for a, i in first.items():
            for b, j in first.items():
                if i < j:
                    order[(a, b)] += 1
    surface = {s: c.most_common(1)[0][0] for s, c in forms.items()}
    return surface, order


def _label(
    tokens: list[list[str]], key: list[str], surface: dict[str, str], order: Counter
) -> str:
    """The commonest short span of the answers holding every key stem, in order.

    A span starts and ends on a key word, except that it runs on to the next
    content word after a final negation ("did not work", never "did not"). When no
    span occurs twice, the key stems are written in their usual order instead.
    """
    wanted = set(key)
    spans: Counter = Counter()
    for words in tokens:
        stems = [stem(w) if is_content_word(w) else None for w in words]
        found: set[tuple[str, ...]] = set()
        for i, first in enumerate(stems):
            if first not in wanted:
                continue
            seen = set()
            for j in range(i, min(len(words), i + _LABEL_SPAN)):
                seen.add(stems[j])
                if stems[j] in wanted and wanted <= seen:
                    end = j
                    if words[j] in NEGATIONS:
                        following = range(j + 1, min(len(words), j + 3))
                        end = next((x for x in following if stems[x]), -1)
                    if end >= 0:
                        found.add(tuple(words[i : end + 1]))
                    break
        spans.update(found)
    if spans:
        span, count = max(spans.items(), key=lambda item: (item[1], -len(item[0])))
        if count >= 2:
            return " ".join(span)
    wins = {a: sum(order[(a, b)] > order[(b, a)] for b in key) for a in key}
    ordered = sorted(key, key=lambda s: -wins[s])
    if len(ordered) > 1 and ordered[-1] in _NEGATION_STEMS:
        ordered.pop()  # "exchange rate not" reads as nonsense; the terms keep it
    return " ".join(surface.get(s, s) for s in ordered)


def _distinct_quotes(
    texts: list[str], closest: np.ndarray, n_quotes: int
) -> tuple[str, ...]:
    """The first ``n_quotes`` answers, nearest first, whose stems differ as a set."""
    quotes: list[str] = []
    seen: set[frozenset[str]] = set()
    for index in closest:
        key = frozenset(stem(w) for w in content_words(texts[index]))
        if key in seen:
            continue
        seen.add(key)
        quotes.append(" ".join(texts[index].split()))
        if len(quotes) == n_quotes:
            break
    return tuple(quotes)


def _nps_counts(
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


def _theme_nps(counts: np.ndarray | None, t: int) -> tuple[float | None, float | None]:
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


# ---------------------------------------------------------------- command line


def _theme_count(value: str) -> int | str:
    """Parse ``--k``: "auto" or a positive whole number."""
    if value == "auto":
        return value
    if value.isdigit() and int(value) > 0:
        return int(value)
    raise argparse.ArgumentTypeError(
        f"expected 'auto' or a positive number, got {value!r}"
    )


def _rating(value: str, row: int) -> int | None:
    """Parse one NPS cell: blank is no rating, otherwise a whole number 0-10."""
    value = value.strip()
    if not value:
        return None
    if not value.isdigit() or int(value) > 10:
        raise InputError(
            f"row {row} (counting from 0): NPS rating {value!r} "
            "is not a whole number 0-10"
        )
    return int(value)


def cli(argv: list[str]) -> int:
    """Run ``python -m analysis themes``: cluster a CSV's free-text column.

    Output is JSON ``{"themes": [...], "assignments": [{"id", "theme"}], "unclear"}``
    or CSV rows ``id,theme,theme_label``. Theme ids are small integers, 0 for the
    largest theme; ``theme`` is ``null`` (empty in CSV) for an unclear answer.
    ``id`` is the ``--id-column`` value or the 0-based row number.

    Parameters
    ----------
    argv : list of str
        Arguments after ``themes``.

    Returns
    -------
    int
        0 on success, 2 on a usage or input error (message on stderr).
    """
    parser = argparse.ArgumentParser(
        prog="python -m analysis themes",
        description="Cluster each row's free text into themes.",
        epilog="Theme ids are small integers, 0 for the largest theme; an unclear "
        "answer has theme null (JSON) or an empty theme (CSV). The same input and "
        "seed give the same output.",
    )
    parser.add_argument("input", metavar="INPUT.csv", help="UTF-8 CSV with a header")
    parser.add_argument("--text-column", default="text", help="column with the answer")
    parser.add_argument(
        "--id-column", help="column identifying each row (default: row number from 0)"
    )
    parser.add_argument(
        "--nps-column", help="optional 0-10 rating column for theme NPS"
    )
    parser.add_argument(
        "--k", type=_theme_count, default="auto", help="'auto' or a number of themes"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="random seed (same seed, same themes)"
    )
    parser.add_argument("--format", choices=["json", "csv"], default="json")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        rows = read_rows(
            args.input, [args.text_column, args.id_column, args.nps_column]
        )
        ratings = None
        if args.nps_column:
            ratings = [
                _rating(row[args.nps_column] or "", n) for n, row in enumerate(rows)
            ]
        texts = [row[args.text_column] or "" for row in rows]
        model = ThemeModel(n_themes=args.k, random_state=args.seed, verbose=True)
        model.fit(texts, ratings=ratings)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"error: {args.input}: {exc}", file=sys.stderr)
        return 2
    try:
        _write(model, rows, args)
    except BrokenPipeError:
        # Piped into `head`: stop quietly, and keep Python's final flush from
        # failing again (the recipe of the `signal` module's documentation).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _write(
    model: ThemeModel, rows: list[dict[str, str]], args: argparse.Namespace
) -> None:
    """Print the fitted themes and each row's assignment as JSON or CSV."""
    ids = [row[args.id_column] if args.id_column else n for n, row in enumerate(rows)]
    theme_of = {t: theme for t, theme in enumerate(model.themes_)}
    if args.format == "json":
        result = {
            "themes": [
                {
                    **asdict(theme),
                    "terms": list(theme.terms),
                    "quotes": list(theme.quotes),
                }
                for theme in model.themes_
            ],
            "assignments": [
                {"id": i, "theme": theme_of[t].id if t >= 0 else None}
                for i, t in zip(ids, model.labels_.tolist(), strict=True)
            ],
            "unclear": int((model.labels_ < 0).sum()),
        }
        json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["id", "theme", "theme_label"])
        for i, t in zip(ids, model.labels_.tolist(), strict=True):
            theme = theme_of.get(t)
            writer.writerow(
                [
                    i,
                    "" if theme is None else theme.id,
                    "" if theme is None else theme.label,
                ]
            )
