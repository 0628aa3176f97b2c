"""How one language's answers become points, and the rules that place an answer.

:class:`analysis.themes.ThemeModel` keeps one :class:`LanguageSpace` per language
of its answers: the features (always TF-IDF counts, for terms and labels), the
points that are clustered (LSA of TF-IDF, or sentence embeddings), the theme
centres and each theme's unclear threshold. The functions beside it are the pieces
of that model that are worth reading (and testing) on their own: the threshold
relative to a theme's spread, Hennig's clusterwise stability that chooses k, the
spectral partition that places the first centres, and the handling of stored
embeddings.
"""

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.sparse.linalg import eigsh
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.preprocessing import normalize

from analysis.embeddings import load_encoder
from analysis.text import NEGATIONS, content_words, stem

__all__ = [
    "UNCLEAR",
    "LanguageSpace",
    "best_k",
    "check_embeddings",
    "complete_embeddings",
    "embedding_rows",
    "neighbour_graph",
    "spectral_centres",
    "spectral_points",
    "stability_by_k",
    "stable_clusters",
    "theme_threshold",
]

#: Label of an answer too far from every theme.
UNCLEAR = -1

_NEGATION_STEMS = frozenset(stem(word) for word in NEGATIONS)
# Unclear: below the median minus this many robust standard deviations, which are
# at least _MIN_SPREAD (three near-identical answers have no spread to measure).
_SPREAD_DEVIATIONS = 3.0
_MIN_SPREAD = 0.1
# Hennig (2007): a cluster that reappears with Jaccard >= 0.75 is a real pattern.
_STABLE_JACCARD = 0.75
# k by stability: a sample of the answers, about ten candidates, three 80%
# subsamples (three pairs to average), each the best of a few k-means starts so
# that the agreement measures the data, not bad starts.
_STABILITY_SAMPLE = 2_000
_STABILITY_SHARE = 0.8
_STABILITY_INITS = 3
_STABILITY_RUNS = 3
_K_CANDIDATES = 10
# The largest k tried: 2 sqrt(n) themes, and ten answers per theme on average.
_K_PER_ROOT = 2.0
_K_MEAN_SIZE = 10
# Similarities of this many answers at a time: a block of 2,000 x n floats.
_GRAPH_BLOCK = 2_000
# Up to this many answers, the spectral embedding solves the dense eigenproblem.
_DENSE_EIGEN = 500
# The spectral partition reads a sample of this many answers (the graph costs n^2
# similarities; 3,000 banking77 queries found the intents as well as all 10,003),
# each joined to this many neighbours, and k-means keeps the best of this many
# starts in the embedding.
SPECTRAL_SAMPLE = 3_000
_NEIGHBOURS = 15
_SPECTRAL_STARTS = 3
_EXTRA_PART_ROUNDS = 2


@dataclass
class LanguageSpace:
    """How one language's answers become points, and the themes found among them.

    Built by :meth:`ThemeModel.fit`; exposed as ``ThemeModel.spaces_`` so that a
    notebook can see what each language used.

    Attributes
    ----------
    language : str
        ``"en"`` or ``"ja"``.
    representation : str
        ``"tfidf"`` or ``"semantic"``.
    vectorizer : CountVectorizer
        Feature counts (:func:`answer_features`); terms, labels and term centroids
        come from them under both representations.
    tfidf : TfidfTransformer
        Sublinear TF-IDF weights of the counts.
    word_features : ndarray of bool
        Which features are single words (not pairs, not negations).
    svd : TruncatedSVD or None
        The LSA projection (``tfidf`` only).
    model : str or None
        The embedding model's name or folder (``semantic`` only; the encoder
        itself is loaded again after unpickling, never stored).
    centroids : ndarray of shape (k, dim)
        Unit-length theme centres.
    thresholds : ndarray of shape (k,)
        Similarity below which an answer is unclear rather than in that theme.
    themes : ndarray of int
        Index into ``ThemeModel.themes_`` of each centre.
    min_words : int
        Fewer distinct known words make an answer unclear.
    """

    language: str
    representation: str
    vectorizer: CountVectorizer
    tfidf: TfidfTransformer
    word_features: np.ndarray
    svd: TruncatedSVD | None = None
    model: str | None = None
    centroids: np.ndarray = field(default_factory=lambda: np.zeros((0, 1)))
    thresholds: np.ndarray = field(default_factory=lambda: np.zeros(0))
    themes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.intp))
    min_words: int = 2

    def points(
        self, texts: list[str], counts: sparse.spmatrix, embeddings: np.ndarray | None
    ) -> np.ndarray:
        """Unit-length points of the answers (zero rows for answers without words)."""
        if self.representation == "tfidf":
            if self.svd is None:
                raise RuntimeError("a TF-IDF theme space is used before it is fitted")
            return normalize(self.svd.transform(self.tfidf.transform(counts)))
        if embeddings is None:
            embeddings = load_encoder(self.model).encode(texts)
        return normalize(np.asarray(embeddings, dtype=np.float32))

    def word_counts(self, texts: list[str], counts: sparse.spmatrix) -> np.ndarray:
        """Distinct known words of each answer: what ``min_words`` counts.

        Under ``tfidf`` only words in the vocabulary count (an answer of unknown
        words has no direction); under ``semantic`` the model reads every word.
        """
        if self.representation == "semantic":
            return np.array(
                [
                    len({stem(w) for w in content_words(t)} - _NEGATION_STEMS)
                    for t in texts
                ]
            )
        words = sparse.csr_matrix(counts)[:, np.flatnonzero(self.word_features)]
        return np.diff(words.indptr)

    def assign(
        self, points: np.ndarray, n_words: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Nearest theme of each point (global index) and its cosine, -1 if unclear."""
        if len(self.centroids) == 0:
            return np.full(len(points), UNCLEAR, dtype=np.intp), np.zeros(len(points))
        similarity = points @ self.centroids.T
        nearest = similarity.argmax(axis=1)
        best = similarity[np.arange(len(points)), nearest].astype(np.float64)
        labels = np.where(best >= self.thresholds[nearest], self.themes[nearest], -1)
        # An answer with no known word has no direction: never a theme's member;
        # one word ("all good", "n/a") says too little to belong anywhere.
        labels[np.linalg.norm(points, axis=1) == 0] = UNCLEAR
        labels[n_words < self.min_words] = UNCLEAR
        return labels.astype(np.intp), best


def theme_threshold(similarities: np.ndarray, floor: float) -> float:
    """A theme's unclear threshold from its members' similarities (module docstring).

    Examples
    --------
    >>> round(theme_threshold(np.array([0.9, 0.8, 0.6, 0.8, 0.8]), 0.1), 2)
    0.5
    >>> round(theme_threshold(np.array([0.9, 0.2, 0.8, 0.8, 0.9, 0.8, 0.7]), 0.1), 2)
    0.36
    """
    if similarities.size < 2:
        return floor
    median = float(np.median(similarities))
    spread = max(1.4826 * float(np.median(np.abs(similarities - median))), _MIN_SPREAD)
    return max(floor, median - _SPREAD_DEVIATIONS * spread)


def stable_clusters(first: np.ndarray, second: np.ndarray, min_size: float) -> int:
    """How many clusters of ``first`` reappear in ``second`` (Jaccard >= 0.75).

    Hennig's (2007) clusterwise stability: a cluster whose best match in another
    clustering of resampled data has a Jaccard similarity of 0.75 or more is a
    real pattern, one below 0.5 dissolves. Clusters smaller than ``min_size``
    (a theme too small to keep) do not count.

    Examples
    --------
    >>> stable_clusters(np.array([0, 0, 0, 1, 1, 1]), np.array([1, 1, 1, 0, 0, 2]), 2)
    1
    """
    table = np.zeros((first.max() + 1, second.max() + 1))
    np.add.at(table, (first, second), 1)
    sizes_first, sizes_second = table.sum(axis=1), table.sum(axis=0)
    union = sizes_first[:, None] + sizes_second[None, :] - table
    jaccard = (table / np.maximum(union, 1)).max(axis=1)
    return int(((jaccard >= _STABLE_JACCARD) & (sizes_first >= min_size)).sum())


def neighbour_graph(
    points: np.ndarray | sparse.spmatrix, neighbours: int
) -> sparse.csr_matrix:
    """Symmetric graph joining each answer to its most similar answers.

    ``points`` are unit rows (dense or sparse); an edge weighs the cosine
    similarity (negatives count as 0), and an edge that either answer chose is
    kept.

    Examples
    --------
    >>> graph = neighbour_graph(np.array([[1.0, 0], [0.8, 0.6], [0, 1.0]]), 1)
    >>> graph.toarray().round(2).tolist()
    [[0.0, 0.8, 0.0], [0.8, 0.0, 0.6], [0.0, 0.6, 0.0]]
    """
    n = points.shape[0]
    neighbours = max(1, min(neighbours, n - 1))
    rows, columns, weights = [], [], []
    for start in range(0, n, _GRAPH_BLOCK):
        block = points[start : start + _GRAPH_BLOCK] @ points.T
        similarity = np.asarray(
            block.toarray() if sparse.issparse(block) else block, dtype=np.float64
        )
        own = np.arange(len(similarity))
        similarity[own, own + start] = -np.inf  # never its own neighbour
        nearest = np.argpartition(-similarity, neighbours - 1, axis=1)[:, :neighbours]
        rows.append(np.repeat(own + start, neighbours))
        columns.append(nearest.ravel())
        weights.append(np.take_along_axis(similarity, nearest, 1).clip(0).ravel())
    graph = sparse.csr_matrix(
        (np.concatenate(weights), (np.concatenate(rows), np.concatenate(columns))),
        shape=(n, n),
    )
    return graph.maximum(graph.T).tocsr()


def spectral_points(graph: sparse.spmatrix, dimensions: int, seed: int) -> np.ndarray:
    """Unit-length spectral embedding of a graph (Ng, Jordan and Weiss 2001).

    The leading eigenvectors of the normalised adjacency ``D^-1/2 A D^-1/2``:
    answers joined by many paths of close neighbours land together even when
    their own words barely overlap, which k-means on the words alone misses.
    (ARPACK's Lanczos found clusters a little better than a randomised SVD:
    banking77 samples 0.37-0.41 against 0.36-0.40.)

    Examples
    --------
    >>> two_pairs = sparse.csr_matrix(np.kron(np.eye(2), [[0, 1], [1, 0]]))
    >>> points = spectral_points(two_pairs, 2, seed=0)
    >>> abs(points @ points.T).round(1)  # each pair on one point
    array([[1., 1., 0., 0.],
           [1., 1., 0., 0.],
           [0., 0., 1., 1.],
           [0., 0., 1., 1.]])
    """
    n = graph.shape[0]
    degrees = np.asarray(graph.sum(axis=1)).ravel()
    scale = sparse.diags(1 / np.sqrt(np.where(degrees > 0, degrees, 1)))
    normalised = (scale @ graph @ scale).tocsr()
    dimensions = max(1, min(dimensions, n - 1))
    if n <= _DENSE_EIGEN:
        _, vectors = np.linalg.eigh(normalised.toarray())
        return normalize(vectors[:, -dimensions:])
    start = np.random.default_rng(seed).random(n)
    _, vectors = eigsh(normalised, k=dimensions, which="LA", v0=start)
    return normalize(vectors)


def spectral_centres(
    points: np.ndarray,
    graph_rows: np.ndarray | sparse.spmatrix,
    weights: np.ndarray,
    k: int,
    *,
    min_size: int,
    seed: int,
) -> np.ndarray:
    """Unit-length centres, in ``points`` space, of a spectral partition into k.

    The partition clusters :func:`spectral_points` of a :func:`neighbour_graph`
    over ``graph_rows`` (the same answers in the space where neighbours are
    found best: TF-IDF rows, whose rare shared phrases LSA blurs), on a sample of
    at most :data:`SPECTRAL_SAMPLE` answers; each part's centre is the weighted
    mean of its ``points``. A few answers cut off from the rest (two off-topic
    remarks) make a part of their own: a part smaller than ``min_size`` is not
    a theme, so k-means on the same embedding asks for one more part per such
    part (twice at most) and gives them no centre.
    """
    rows = np.arange(points.shape[0])
    if len(rows) > SPECTRAL_SAMPLE:
        rng = np.random.default_rng(seed)
        rows = np.sort(rng.choice(len(rows), SPECTRAL_SAMPLE, replace=False))
    embedded = spectral_points(neighbour_graph(graph_rows[rows], _NEIGHBOURS), k, seed)
    n_parts = k
    for _ in range(_EXTRA_PART_ROUNDS + 1):
        # More parts in the same embedding: the small ones take the outliers.
        kmeans = KMeans(n_clusters=n_parts, n_init=_SPECTRAL_STARTS, random_state=seed)
        with warnings.catch_warnings():
            # Answers that share one point of the embedding (near-duplicates, a
            # cut-off pair) can number fewer than the parts: those stay empty.
            warnings.simplefilter("ignore", ConvergenceWarning)
            parts = kmeans.fit_predict(embedded)
        sizes = np.bincount(parts, minlength=n_parts)
        small = int((sizes < min_size).sum())
        if sizes.size - small >= k or n_parts + 1 >= len(rows):
            break
        n_parts = min(k + small, len(rows) - 1)
    sums = np.zeros((n_parts, points.shape[1]))
    np.add.at(sums, parts, points[rows] * weights[rows, None])
    return normalize(sums[sizes >= min_size])


def stability_by_k(
    points: np.ndarray,
    bounds: tuple[int, int],
    *,
    min_theme_size: int,
    seed: int,
    progress: Callable[[list[int]], object] = lambda ks: ks,
) -> dict[int, float]:
    """The stability score of each candidate number of themes.

    About ten k between ``bounds`` (and at most ``2 sqrt(n)`` and ``n / 10``),
    spaced geometrically. For each, k-means clusters three 80% subsamples of (a
    sample of) the points, and each clustering labels the whole sample; the
    score is the mean number of clusters that reappear in another run
    (:func:`stable_clusters`). ``progress`` wraps the list of candidates (a
    progress bar).
    """
    rng = np.random.default_rng(seed)
    sample = points
    if len(points) > _STABILITY_SAMPLE:
        sample = points[rng.choice(len(points), _STABILITY_SAMPLE, replace=False)]
    distinct = len(np.unique(sample.round(5), axis=0))
    largest = round(
        min(_K_PER_ROOT * math.sqrt(len(points)), len(points) / _K_MEAN_SIZE)
    )
    if largest < 2:
        return {}  # too few answers for two themes of ten: one theme
    min_themes, max_themes = bounds
    upper = min(max_themes, max(min_themes, largest), distinct - 1)
    lower = min(min_themes, upper)
    if upper < 2:
        return {}
    candidates = np.unique(
        np.round(np.geomspace(max(lower, 2), upper, _K_CANDIDATES)).astype(int)
    ).tolist()
    size = max(2, round(_STABILITY_SHARE * len(sample)))
    size_floor = min_theme_size * len(sample) / len(points)
    scores = {}
    for k in progress(candidates):  # type: ignore[attr-defined]
        partitions = []
        for run in range(_STABILITY_RUNS):
            rows = rng.choice(len(sample), size, replace=False)
            centres = (
                KMeans(
                    n_clusters=int(min(k, size)),
                    n_init=_STABILITY_INITS,
                    random_state=seed + run,
                )
                .fit(sample[rows])
                .cluster_centers_
            )
            partitions.append((sample @ normalize(centres).T).argmax(axis=1))
        scores[int(k)] = float(
            np.mean(
                [
                    stable_clusters(partitions[a], partitions[b], size_floor)
                    for a in range(_STABILITY_RUNS)
                    for b in range(_STABILITY_RUNS)
                    if a != b
                ]
            )
        )
    return scores


def best_k(scores: dict[int, float]) -> int:
    """The k with the best score; the smallest one on a tie (1 without scores)."""
    if not scores:
        return 1
    best = max(scores.values())
    return min(k for k, s in scores.items() if s >= best)


def check_embeddings(embeddings: object, n: int) -> None:
    """Raise ValueError unless ``embeddings`` is None or has one row per text."""
    if embeddings is not None and len(embeddings) != n:  # type: ignore[arg-type]
        raise ValueError(
            f"embeddings has {len(embeddings)} rows but there are {n} texts"  # type: ignore[arg-type]
        )


def embedding_rows(
    embeddings: np.ndarray | Sequence[np.ndarray | None] | None, rows: np.ndarray
) -> list[np.ndarray | None] | None:
    """The embeddings of some answers, or None when none were given."""
    if embeddings is None:
        return None
    return [embeddings[i] for i in rows]


def complete_embeddings(
    embeddings: Sequence[np.ndarray | None] | np.ndarray | None,
    texts: list[str],
    model: str | None,
) -> np.ndarray:
    """Given embeddings with the missing rows computed by the model."""
    if embeddings is None:
        return load_encoder(model).encode(texts)
    missing = [i for i, row in enumerate(embeddings) if row is None]
    computed: np.ndarray | list[np.ndarray] = (
        load_encoder(model).encode([texts[i] for i in missing]) if missing else []
    )
    rows = list(embeddings)
    for i, vector in zip(missing, computed, strict=True):
        rows[i] = vector
    return np.vstack([np.asarray(r, dtype=np.float32) for r in rows])
