"""Themes: what customers talk about, as specific, explained and stable clusters.

An advocate trusts a theme only when it is specific ("card not arrived", not "card,
account, money"), shows its evidence and is still the same theme next month. So:

* **One language per theme.** :class:`ThemeModel` splits the answers by language
  (:func:`analysis.text.language_of`) and clusters each language on its own, so a
  theme's answers are all English or all Japanese.
* **Two representations behind one class.** ``tfidf``, the dependency-light default:
  TF-IDF over stemmed words and *skip-bigrams* (two content words of one answer, at
  most eight apart, in either order; on banking77 they cluster clearly better than
  adjacent bigrams), reduced with LSA. ``semantic``: sentence embeddings
  (:mod:`analysis.embeddings`), computed here or passed in precomputed, as the app
  stores them per answer. ``"auto"`` takes ``semantic`` when its model loads.
  Japanese never goes through the English-only model: it always uses ``tfidf`` over
  SudachiPy base forms. ``representations_`` says what each language used.
* **Centres from a neighbour graph.** Each answer is joined to its 15 most similar
  answers (TF-IDF rows under ``tfidf``), and k-means on the graph's spectral
  embedding finds the parts whose centres start the themes
  (:func:`analysis.theme_space.spectral_centres`); k-means on the points
  themselves when there are few answers per theme, or a handful of semantic
  themes.
* **k from the data, by stability.** For each candidate k, k-means runs on three random
  80% subsamples and each partition labels the same sample; a cluster is *stable*
  when its best match in another run has a Jaccard similarity of at least 0.75
  (Hennig 2007). The criterion is the mean number of stable clusters: it rises while
  k finds real topics and falls once k splits them where the split does not
  reproduce, so it peaks; the smallest k with the most stable clusters wins. (The
  silhouette rose with k up to the cap; the plain ARI between runs favoured k = 2.)
* **Unclear, relative to each theme.** An answer is unclear (label ``-1``) when it is
  less similar to its nearest theme than that theme's own members usually are: below
  the members' median similarity minus three robust standard deviations (1.4826
  MAD, at least 0.1). A tight theme thus rejects a loosely related answer that a
  broad theme would keep. ``min_similarity`` is an absolute floor; answers with fewer
  than ``min_words`` known words ("No, all good so far.", "n/a") are unclear too.
* **One assignment code path:** ``fit`` labels its own answers with the rule that
  :meth:`ThemeModel.predict` applies to later answers, so ``predict(training texts)``
  equals ``labels_``.
* Each :class:`Theme` carries top terms from class-based TF-IDF, a label from
  :mod:`analysis.labels` (a phrase its answers wrote, unique within the run), its
  size, up to five distinct quotes closest to its centre, mean sentiment
  (:func:`analysis.sentiment.sentiment_scores`) and, given
  ratings, its NPS and its drag on overall NPS.
* Identity across runs: :func:`match_themes` pairs a new run's themes with the
  previous run's by cosine similarity of their *term* centroids (mean TF-IDF vector
  keyed by feature string, so runs with different vocabularies, and both
  representations, compare) and the Hungarian algorithm; ``fit(..., previous=
  old.term_centroids_)`` gives matched themes their old ids.

A fitted model is plain Python and NumPy state and pickles with ``joblib.dump`` (or
``pickle``); the semantic encoder is not pickled, only its model name. ``python -m
analysis themes`` (:mod:`analysis.cli.themes`) runs it all on any CSV, and
:mod:`analysis.routed_themes` clusters within departments.
"""

import sys
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from analysis.embeddings import configured_model, resolve_representation
from analysis.labels import (
    ThemeProfiles,
    class_tfidf,
    distinct_quotes,
    terms_and_labels,
    unique_labels,
)
from analysis.text import NEGATIONS, content_words, language_of, stem
from analysis.theme_identity import continued_ids, match_themes, top_weights
from analysis.theme_scores import nps_counts, theme_nps, theme_sentiments
from analysis.theme_space import (
    UNCLEAR,
    LanguageSpace,
    best_k,
    check_embeddings,
    complete_embeddings,
    embedding_rows,
    spectral_centres,
    stability_by_k,
    theme_threshold,
)

__all__ = [
    "PAIR_WINDOW",
    "UNCLEAR",
    "LanguageSpace",
    "Theme",
    "ThemeModel",
    "answer_features",
    "continued_ids",
    "match_themes",
]

#: Two content words form a skip-bigram when fewer than this many words apart.
PAIR_WINDOW = 8

_NEGATION_STEMS = frozenset(stem(word) for word in NEGATIONS)
# Above this many answers, full-batch k-means is too slow for the 60 s budget.
_MINIBATCH_ABOVE = 20_000
# Full-batch k-means keeps the best of this many starts. With three, semantic
# partitions of a fixed k still depended on the seed (SemEval k=5 ARI 0.26-0.30 over
# seeds 0-2, 0.30-0.30 with ten; banking77 k=77 0.49-0.51 -> 0.50-0.51); TF-IDF
# scores did not move, and there the lowest inertia can give a pair of off-topic
# answers a centre of their own.
_KMEANS_INITS = {"semantic": 10, "tfidf": 3}
# Semantic fits take more starts, up to _MAX_INITS, while answers x themes stay
# within this budget: a small fit (SemEval, 2,467 sentences, k=5) still moved with
# the seed at ten (ARI 0.297-0.304 over seeds 0-2; 0.304-0.307 with thirty), and
# costs little; banking77 (10,003 x 77) keeps ten.
_INIT_BUDGET = 2_500_000
_MAX_INITS = 30
_SVD_SAMPLE = 30_000
# Unclear: below the median minus this many robust standard deviations, which are
# at least _MIN_SPREAD (three near-identical answers have no spread to measure).
_SPREAD_DEVIATIONS = 3.0
_MIN_SPREAD = 0.1
# Absolute floors of similarity to a theme, per representation (min_similarity=None).
_FLOOR = {"tfidf": 0.1, "semantic": 0.2}
_CENTROID_TERMS = 200
# A spectral partition of a neighbour graph (theme_space.spectral_centres) places
# the first centres when the themes average 10+ answers. It found topics that
# k-means on LSA missed at every k (ARI, seeds 0/1: banking77 k=77 0.306/0.305 ->
# 0.32/0.33, Japanese comments k=14 0.08/0.14 -> 0.26/0.23, SemEval k=5
# 0.14/0.02 -> 0.15/0.21). Sentence embeddings gained with many themes (banking77
# 0.50/0.50 -> 0.56/0.52) but not with five broad ones (SemEval 0.30/0.30 ->
# 0.30/0.29), where k-means with many starts stays.
_SPECTRAL_MIN_THEMES = {"tfidf": 2, "semantic": 10}
_SPECTRAL_MIN_SIZE = 10
_RENDER_SAMPLE = 80
_CENTRE_WORDS = 2
_PROGRESS_ABOVE = 2_000
_TRIM_ROUNDS = 3
_LANGUAGES = ("en", "ja")


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
        Mean sentiment of the answers (:func:`analysis.sentiment.sentiment_scores`,
        at most 200 of them spread over the theme), in [-1, 1].
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
        words apart, as ``"a b"`` in alphabetical order; a negation pairs only with
        the content words right beside it.

    Examples
    --------
    >>> answer_features("My card has not arrived")
    ['card', 'not', 'arriv', 'card not', 'arriv card', 'arriv not']
    """
    stems = [stem(word) for word in content_words(text)]
    features = list(stems)
    for i, first in enumerate(stems):
        for j, second in enumerate(stems[i + 1 : i + PAIR_WINDOW], start=i + 1):
            # A negation belongs to its neighbours ("not arrived", 届く ない),
            # not to every word of the answer.
            negation = first in _NEGATION_STEMS or second in _NEGATION_STEMS
            if negation and j > i + 1:
                continue
            if first < second:
                features.append(f"{first} {second}")
            elif second < first:
                features.append(f"{second} {first}")
    return features


def _progress(items: Iterable, *, total: int, desc: str, enabled: bool) -> Iterable:
    """Wrap ``items`` in a tqdm bar on stderr when enabled (and stderr is a TTY)."""
    if not enabled:
        return items
    return tqdm(items, total=total, desc=desc, file=sys.stderr, disable=None)


class ThemeModel(BaseEstimator):
    """Cluster free-text answers into specific, explained, stable themes.

    Each language is clustered on its own (see the module docstring): its answers
    become unit vectors (LSA of TF-IDF, or sentence embeddings), k-means finds the
    centres, and each theme gets an unclear threshold from its own spread.
    Fitting is deterministic for a given ``random_state``.

    Parameters
    ----------
    n_themes : int or "auto", default "auto"
        Number of themes (shared among languages by their number of answers), or
        "auto" to choose it by stability across subsamples (module docstring),
        among about ten values between ``min_themes`` and ``min(max_themes,
        2 sqrt(n), n / 10)``.
    representation : {"auto", "tfidf", "semantic"}, default "auto"
        How English answers are represented; Japanese always uses "tfidf".
        "auto" is "semantic" when the embedding model loads, else "tfidf".
    model : str, optional
        Embedding model name or folder; default ``CAT_SURVEY_EMBEDDING_MODEL`` or
        ``all-MiniLM-L6-v2`` (:func:`analysis.embeddings.configured_model`).
    min_themes, max_themes : int, default 2 and 120
        Bounds of the automatic choice.
    n_components : int, default 100
        LSA dimensions of ``tfidf`` (fewer when the data has fewer words).
    min_df : int, default 2
        A feature must occur in this many answers to count.
    min_similarity : float or None, default None
        Absolute floor of the similarity to a theme's centre; None uses 0.1 for
        "tfidf" and 0.2 for "semantic". Above it, each theme's own spread decides.
    min_words : int or None, default None
        An answer with fewer distinct known words is unclear; None means 2 for
        "tfidf" and 1 for "semantic" (the model reads "Great food!" as being
        about food; a bag of words has only "food" to go on).
    min_theme_size : int, default 3
        Smaller clusters are dissolved; their answers go to the nearest remaining
        theme or to unclear.
    n_terms, n_quotes : int, default 10 and 5
        Top terms and representative quotes kept per theme.
    min_match_similarity : float, default 0.5
        Passed to :func:`match_themes` when ``fit`` is given previous centroids.
    random_state : int, default 0
        Seed of the SVD, the k samples and k-means.
    verbose : bool, default False
        Show tqdm progress bars on stderr (only when it is a terminal).

    Attributes
    ----------
    spaces_ : dict of str to LanguageSpace
        Each language's representation, centres and thresholds.
    representations_ : dict of str to str
        Representation used by each language present, e.g. ``{"en": "semantic",
        "ja": "tfidf"}``.
    representation_ : str
        The representation of the language with most answers.
    labels_ : ndarray of shape (n_answers,)
        Index into ``themes_`` of each training answer, or -1 when unclear.
    similarities_ : ndarray of shape (n_answers,)
        Cosine similarity of each training answer to its nearest centre.
    themes_ : list of Theme
        The themes, largest first.
    n_themes_ : int
        Number of themes.
    k_scores_ : dict of str to {int: float}
        Per language, the stability (ARI between subsamples) of each candidate k;
        empty when ``n_themes`` is an int.
    term_centroids_ : dict of int to {term: weight}
        Each theme's mean TF-IDF vector (top 200 features, unit length), keyed by
        theme id: what the next run passes as ``fit(..., previous=...)``.

    Examples
    --------
    >>> answers = ["my card has not arrived", "card still not arrived",
    ...            "the card has not arrived yet", "my card has still not arrived",
    ...            "where is my card", "I want a refund for my order",
    ...            "refund my order please", "no refund for my order yet",
    ...            "how do I get a refund"]
    >>> model = ThemeModel(n_themes=2, min_df=1, representation="tfidf")
    >>> model = model.fit(answers)
    >>> [(theme.id, theme.label, theme.size) for theme in model.themes_]
    [(0, 'card has not arrived', 4), (1, 'refund for my order', 3)]
    >>> model.representations_
    {'en': 'tfidf'}

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
        representation: str = "auto",
        model: str | None = None,
        min_themes: int = 2,
        max_themes: int = 120,
        n_components: int = 100,
        min_df: int = 2,
        min_similarity: float | None = None,
        min_words: int | None = None,
        min_theme_size: int = 3,
        n_terms: int = 10,
        n_quotes: int = 5,
        min_match_similarity: float = 0.5,
        random_state: int = 0,
        verbose: bool = False,
    ) -> None:
        self.n_themes = n_themes
        self.representation = representation
        self.model = model
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
        embeddings: np.ndarray | Sequence[np.ndarray | None] | None = None,
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
        embeddings : array of shape (n_answers, dim), optional
            Precomputed sentence embeddings of the answers, one row per text (a
            row may be ``None`` when given as a list: that text is embedded here).
            Used by languages that run ``semantic``; ignored otherwise.

        Returns
        -------
        ThemeModel
            ``self``, fitted.

        Raises
        ------
        ValueError
            If there are fewer than two answers with words, or ``ratings`` or
            ``embeddings`` does not have one entry per answer.
        analysis.embeddings.EmbeddingUnavailable
            If ``representation="semantic"`` and the model cannot be loaded.
        """
        texts = [str(t) for t in texts]
        if ratings is not None and len(ratings) != len(texts):
            raise ValueError(
                f"ratings has {len(ratings)} entries but there are {len(texts)} texts"
            )
        check_embeddings(embeddings, len(texts))
        # One thread: on a busy two-core machine BLAS and OpenMP threads made a
        # 60-answer fit ten times and a 100,000-answer fit twice as slow.
        with threadpool_limits(limits=1):
            return self._fit(texts, ratings, previous, embeddings)

    def _fit(
        self,
        texts: list[str],
        ratings: Sequence[int | None] | None,
        previous: Mapping[int, Mapping[str, float]] | None,
        embeddings: np.ndarray | Sequence[np.ndarray | None] | None,
    ) -> "ThemeModel":
        """Fit on validated input (see :meth:`fit`)."""
        show = self.verbose and len(texts) >= _PROGRESS_ABOVE
        languages = np.array([language_of(t) for t in texts])
        groups = {
            lang: np.flatnonzero(languages == lang)
            for lang in _LANGUAGES
            if (languages == lang).any()
        }
        english = "en" in groups
        chosen = (
            resolve_representation(self.representation, self.model)
            if english
            else "tfidf"
        )
        self.spaces_: dict[str, LanguageSpace] = {}
        self.k_scores_: dict[str, dict[int, float]] = {}
        self.labels_ = np.full(len(texts), UNCLEAR, dtype=np.intp)
        self.similarities_ = np.zeros(len(texts))
        fitted: dict[str, tuple] = {}
        problems = []
        for lang, rows in groups.items():
            # The default model reads English only: Japanese always uses TF-IDF.
            representation = chosen if lang == "en" else "tfidf"
            group_texts = [texts[i] for i in rows]
            try:
                space, counts, points, n_words = self._prepare(
                    lang,
                    representation,
                    group_texts,
                    embedding_rows(embeddings, rows),
                    show,
                )
            except ValueError as error:
                problems.append(str(error))
                continue
            fitted[lang] = (rows, space, counts, points, n_words)
        usable = {
            lang: int((np.linalg.norm(f[3], axis=1)[f[4] >= f[1].min_words] > 0).sum())
            for lang, f in fitted.items()
        }
        if sum(usable.values()) < 2:
            raise ValueError(
                problems[0]
                if problems and not fitted
                else "themes need at least two answers with known words"
            )
        quotas = _share_themes(self.n_themes, usable)
        next_theme = 0
        for lang, (rows, space, counts, points, n_words) in fitted.items():
            if usable[lang] < 2:
                continue
            self._cluster_space(
                space, (points, counts), n_words, quotas[lang], next_theme, show
            )
            labels, similarities = space.assign(points, n_words)
            self.labels_[rows] = labels
            self.similarities_[rows] = similarities
            next_theme += len(space.centroids)
            self.spaces_[lang] = space
        self._order_by_size(next_theme)
        self.representations_ = {
            lang: s.representation for lang, s in self.spaces_.items()
        }
        largest = max(groups, key=lambda lang: len(groups[lang]))
        self.representation_ = self.representations_.get(
            largest, chosen if largest == "en" else "tfidf"
        )
        self.n_themes_ = next_theme
        self.themes_ = self._describe(texts, fitted, ratings, previous, show)
        return self

    def _prepare(
        self,
        language: str,
        representation: str,
        texts: list[str],
        embeddings: np.ndarray | Sequence[np.ndarray | None] | None,
        show: bool,
    ) -> tuple[LanguageSpace, sparse.csr_matrix, np.ndarray, np.ndarray]:
        """Features and points of one language's answers."""
        vectorizer = CountVectorizer(
            analyzer=answer_features, min_df=self.min_df, dtype=np.float64
        )
        try:
            counts = vectorizer.fit_transform(
                _progress(texts, total=len(texts), desc="preparing", enabled=show)
            )
        except ValueError as error:
            raise ValueError(
                f"no feature occurs in {self.min_df}+ answers; themes need more text"
            ) from error
        n_answers, n_features = counts.shape
        if n_features < 2 or n_answers < 2:
            raise ValueError("themes need at least two answers and two distinct words")
        features = vectorizer.get_feature_names_out()
        tfidf = TfidfTransformer(sublinear_tf=True).fit(counts)
        word_features = np.array(
            [" " not in f and f not in _NEGATION_STEMS for f in features]
        )
        known_words = np.diff(counts[:, np.flatnonzero(word_features)].tocsr().indptr)
        min_words = self.min_words
        if min_words is None:
            min_words = 1 if representation == "semantic" else 2
        if representation == "tfidf" and (known_words >= min_words).sum() < 2:
            raise ValueError("themes need at least two answers with known words")
        space = LanguageSpace(
            language=language,
            representation=representation,
            vectorizer=vectorizer,
            tfidf=tfidf,
            word_features=word_features,
            min_words=min_words,
        )
        if representation == "tfidf":
            # At most half as many components as answers: near full rank, the
            # randomised SVD blurred a small corpus (answers with no word in
            # common came out 0.25 alike).
            components = min(self.n_components, n_features - 1, n_answers // 2)
            space.svd = TruncatedSVD(
                n_components=max(1, components), random_state=self.random_state
            )
            # A random sample spans the same topics; beyond it SVD time only grows.
            rows = np.arange(n_answers)
            if n_answers > _SVD_SAMPLE:
                rows = np.random.default_rng(self.random_state).choice(
                    n_answers, _SVD_SAMPLE, replace=False
                )
            # explained_variance_ratio_, which nothing here reads, divides by the
            # total variance: 0 (a RuntimeWarning) when every answer has the same
            # words, as a department's handful of identical answers can.
            with np.errstate(divide="ignore", invalid="ignore"):
                space.svd.fit(tfidf.transform(counts[np.sort(rows)]))
            embeddings = None
        else:
            space.model = configured_model(self.model)
            embeddings = complete_embeddings(embeddings, texts, space.model)
        points = space.points(texts, counts, embeddings)
        return space, counts, points, space.word_counts(texts, counts)

    def _cluster_space(
        self,
        space: LanguageSpace,
        answers: tuple[np.ndarray, sparse.csr_matrix],
        n_words: np.ndarray,
        k: int | str,
        first_theme: int,
        show: bool,
    ) -> None:
        """Find one language's centres and thresholds (global indexes from first).

        ``answers`` holds the points and the feature counts of the language's
        answers.
        """
        points, counts = answers
        usable = np.flatnonzero(
            (np.linalg.norm(points, axis=1) > 0) & (n_words >= space.min_words)
        )
        members = points[usable]
        # An answer of one known word ("great food", "my card?") counts half in
        # placing the centres: it joins a theme more than it defines one. (Even
        # for sentence embeddings: equal weights lowered banking77 k=77 from 0.503
        # to 0.477 at seed 0.)
        weights = np.minimum(n_words[usable] / _CENTRE_WORDS, 1.0)
        if k == "auto":
            scores = self._stability_by_k(members, show=show)
            self.k_scores_[space.language] = scores
            k = best_k(scores)
        floor = (
            _FLOOR[space.representation]
            if self.min_similarity is None
            else self.min_similarity
        )
        k = max(1, min(int(k), len(members)))
        centroids = np.zeros((0, members.shape[1]))
        spectral = k >= _SPECTRAL_MIN_THEMES[space.representation]
        if spectral and len(members) >= _SPECTRAL_MIN_SIZE * k:
            # Neighbours are found in the TF-IDF rows themselves under tfidf.
            graph_rows = members
            if space.representation == "tfidf":
                graph_rows = normalize(space.tfidf.transform(counts[usable]))
            centroids = spectral_centres(
                members,
                graph_rows,
                weights,
                k,
                min_size=self.min_theme_size,
                seed=self.random_state,
            )
        # A graph of scattered answers (a small group) may not hold k parts of
        # min_theme_size: k-means places the centres instead.
        if len(centroids) < k:
            centroids = self._kmeans(
                members,
                k,
                weights,
                n_init=_starts(space.representation, len(members), k),
            )
        # Re-centre each theme on its members above its threshold: a catch-all
        # centre then moves to its real topic or loses its members. The last
        # rounds only drop themes left too small, until none is.
        for round_ in range(_TRIM_ROUNDS + 5):
            if len(centroids) == 0:
                break
            similarity = members @ centroids.T
            nearest = similarity.argmax(axis=1)
            best = similarity[np.arange(len(members)), nearest]
            thresholds = np.array(
                [
                    theme_threshold(best[nearest == t], floor)
                    for t in range(len(centroids))
                ]
            )
            core = best >= thresholds[nearest]
            kept = np.bincount(nearest[core], minlength=len(centroids)) >= (
                self.min_theme_size
            )
            if not kept.any():
                # Every theme is smaller than min_theme_size: no theme at all.
                centroids = centroids[:0]
                break
            if round_ < _TRIM_ROUNDS:
                sums = np.zeros_like(centroids)
                np.add.at(sums, nearest[core], members[core] * weights[core, None])
                centroids = normalize(sums[kept])
            elif kept.all():
                break
            else:
                centroids = centroids[kept]
        space.centroids = centroids.astype(np.float32)
        space.thresholds = thresholds.reshape(-1) if len(centroids) else np.zeros(0)
        space.themes = np.arange(first_theme, first_theme + len(centroids))

    def _stability_by_k(self, points: np.ndarray, *, show: bool) -> dict[int, float]:
        """The stability score of each candidate k (:func:`stability_by_k`)."""
        return stability_by_k(
            points,
            (self.min_themes, self.max_themes),
            min_theme_size=self.min_theme_size,
            seed=self.random_state,
            progress=lambda ks: _progress(ks, total=len(ks), desc="k", enabled=show),
        )

    def _kmeans(
        self, points: np.ndarray, k: int, weights: np.ndarray, *, n_init: int
    ) -> np.ndarray:
        """Unit-length k-means centres of ``points`` weighted by ``weights``."""
        if k <= 1:
            return normalize((points * weights[:, None]).sum(axis=0, keepdims=True))
        if len(points) > _MINIBATCH_ABOVE:
            kmeans = MiniBatchKMeans(
                n_clusters=k, n_init=3, batch_size=4096, random_state=self.random_state
            )
        else:
            kmeans = KMeans(n_clusters=k, n_init=n_init, random_state=self.random_state)
        with warnings.catch_warnings():
            # Near-duplicate answers can leave fewer distinct points than k; the
            # empty clusters are then pruned like any other tiny one.
            warnings.simplefilter("ignore", ConvergenceWarning)
            kmeans.fit(points, sample_weight=weights)
        return normalize(kmeans.cluster_centers_)

    def _order_by_size(self, n_themes: int) -> None:
        """Renumber themes across languages, largest first."""
        sizes = np.bincount(self.labels_[self.labels_ >= 0], minlength=n_themes)
        order = np.argsort(-sizes, kind="stable")
        rank = np.empty(n_themes, dtype=np.intp)
        rank[order] = np.arange(n_themes)
        themed = self.labels_ >= 0
        self.labels_[themed] = rank[self.labels_[themed]]
        for space in self.spaces_.values():
            space.themes = rank[space.themes]

    # ------------------------------------------------------------- describing

    def _describe(
        self,
        texts: list[str],
        fitted: Mapping[str, tuple],
        ratings: Sequence[int | None] | None,
        previous: Mapping[int, Mapping[str, float]] | None,
        show: bool,
    ) -> list[Theme]:
        """Build each theme's terms, label, quotes, sentiment, NPS and id."""
        k = self.n_themes_
        self.term_centroids_ = {}
        if k == 0:
            return []
        centroids: list[dict[str, float]] = [{} for _ in range(k)]
        terms: list[tuple[str, ...]] = [() for _ in range(k)]
        candidates: list[list[str]] = [[] for _ in range(k)]
        closest_of: list[np.ndarray] = [np.zeros(0, dtype=np.intp) for _ in range(k)]
        for lang, space in self.spaces_.items():
            rows, _, counts, _, _ = fitted[lang]
            local = self.labels_[rows]
            themed = np.flatnonzero(local >= 0)
            index = {int(t): n for n, t in enumerate(space.themes)}
            membership = sparse.csr_matrix(
                (
                    np.ones(themed.size),
                    ([index[int(t)] for t in local[themed]], themed),
                ),
                shape=(len(space.themes), len(rows)),
            )
            features = space.vectorizer.get_feature_names_out()
            term_scores = class_tfidf(membership @ counts)
            profiles = ThemeProfiles.of(term_scores, space.vectorizer.vocabulary_)
            mean_tfidf = normalize(membership @ space.tfidf.transform(counts))
            for n, t in enumerate(space.themes):
                members = rows[local == t]
                closest = members[
                    np.argsort(-self.similarities_[members], kind="stable")
                ]
                closest_of[t] = closest
                centroids[t] = top_weights(mean_tfidf, n, features)
                terms[t], candidates[t] = terms_and_labels(
                    term_scores,
                    n,
                    features,
                    [texts[i] for i in closest[:_RENDER_SAMPLE]],
                    n_terms=self.n_terms,
                    profiles=profiles,
                )
        labels = unique_labels(candidates, terms)
        ids = continued_ids(
            previous, centroids, min_similarity=self.min_match_similarity
        )
        self.term_centroids_ = dict(zip(ids, centroids, strict=True))
        polarity = theme_sentiments(texts, closest_of, show)
        rated = nps_counts(ratings, self.labels_, k)
        themes = []
        for t in range(k):
            score, drag = theme_nps(rated, t)
            themes.append(
                Theme(
                    id=ids[t],
                    label=labels[t],
                    terms=terms[t],
                    size=int(closest_of[t].size),
                    quotes=distinct_quotes(texts, closest_of[t], self.n_quotes),
                    sentiment=round(float(polarity[t].mean()), 4),
                    nps=score,
                    nps_drag=drag,
                )
            )
        return themes

    # ------------------------------------------------------------- assigning

    def predict(
        self,
        texts: Sequence[str],
        embeddings: np.ndarray | Sequence[np.ndarray | None] | None = None,
    ) -> np.ndarray:
        """Assign answers to the fitted themes, the same way ``fit`` did.

        Parameters
        ----------
        texts : sequence of str
            Free-text answers, e.g. those that arrived since the last fit.
        embeddings : array of shape (n_answers, dim), optional
            Their stored sentence embeddings (semantic languages only); missing
            ones are computed with the model the fit used.

        Returns
        -------
        ndarray of int
            Index into ``themes_`` of each answer, or :data:`UNCLEAR` (-1).
        """
        return self.predict_with_similarity(texts, embeddings)[0]

    def predict_with_similarity(
        self,
        texts: Sequence[str],
        embeddings: np.ndarray | Sequence[np.ndarray | None] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Assign answers and return the cosine similarity to their nearest theme.

        Parameters
        ----------
        texts : sequence of str
            Free-text answers.
        embeddings : array of shape (n_answers, dim), optional
            As in :meth:`predict`.

        Returns
        -------
        labels : ndarray of int
            As :meth:`predict`.
        similarities : ndarray of float
            Cosine similarity to the nearest theme centre (0 without known words).
        """
        check_is_fitted(self, "spaces_")
        texts = [str(t) for t in texts]
        check_embeddings(embeddings, len(texts))
        labels = np.full(len(texts), UNCLEAR, dtype=np.intp)
        similarities = np.zeros(len(texts))
        languages = np.array([language_of(t) for t in texts])
        with threadpool_limits(limits=1):
            for lang, space in self.spaces_.items():
                rows = np.flatnonzero(languages == lang)
                if not rows.size:
                    continue
                group = [texts[i] for i in rows]
                counts = space.vectorizer.transform(group)
                given = None
                if space.representation == "semantic":
                    given = complete_embeddings(
                        embedding_rows(embeddings, rows), group, space.model
                    )
                points = space.points(group, counts, given)
                n_words = space.word_counts(group, counts)
                labels[rows], similarities[rows] = space.assign(points, n_words)
        return labels, similarities


def _starts(representation: str, n_answers: int, k: int) -> int:
    """How many k-means starts a fit keeps the best of (see _INIT_BUDGET)."""
    starts = _KMEANS_INITS[representation]
    if representation == "semantic":
        affordable = _INIT_BUDGET // max(1, n_answers * k)
        starts = int(np.clip(affordable, starts, _MAX_INITS))
    return starts


def _share_themes(
    n_themes: int | str, usable: Mapping[str, int]
) -> dict[str, int | str]:
    """Split a given number of themes among languages by their answers."""
    if n_themes == "auto":
        return dict.fromkeys(usable, "auto")
    total = sum(usable.values())
    k = int(n_themes)
    shares = {
        lang: max(1, round(k * n / total)) if n else 0 for lang, n in usable.items()
    }
    # Rounding may overshoot by one; take it from the largest language.
    while sum(shares.values()) > max(k, len([n for n in usable.values() if n])):
        largest = max(shares, key=lambda lang: shares[lang])
        shares[largest] -= 1
    counts: dict[str, int | str] = dict(shares)
    return counts
