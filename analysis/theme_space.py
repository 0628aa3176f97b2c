"""How one language's answers become points, and the rules that place an answer.

:class:`analysis.themes.ThemeModel` keeps one :class:`LanguageSpace` per language
of its answers: the features (always TF-IDF counts, for terms and labels), the
points that are clustered (LSA of TF-IDF, or sentence embeddings), the theme
centres and each theme's unclear threshold. The functions beside it are the pieces
of that model that are worth reading (and testing) on their own: the threshold
relative to a theme's spread, Hennig's clusterwise stability that chooses k, and
the handling of stored embeddings.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.preprocessing import normalize

from analysis.embeddings import load_encoder
from analysis.text import NEGATIONS, content_words, stem

__all__ = [
    "UNCLEAR",
    "LanguageSpace",
    "check_embeddings",
    "complete_embeddings",
    "embedding_rows",
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
