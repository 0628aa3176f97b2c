"""Theme identity across runs: term centroids and matching them.

A theme keeps its id (and in the app its status and owner) only when it continues
a theme of the previous run. Both runs describe each theme by its *term centroid*,
the mean TF-IDF vector of its answers keyed by feature string ("card", "arriv
card"), so two runs with different vocabularies, and either representation,
compare; :func:`match_themes` pairs them by cosine similarity with the Hungarian
algorithm and :func:`continued_ids` turns the pairs into ids.
"""

import math
from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

import numpy as np
from scipy import sparse
from scipy.optimize import linear_sum_assignment

__all__ = ["continued_ids", "match_themes", "top_weights"]

# Features kept in a term centroid.
_CENTROID_TERMS = 200

# Whatever a caller names its previous themes by (int ids, labels); the matches
# come back keyed the same way.
ThemeId = TypeVar("ThemeId", bound=Hashable)


def _unit_vector(weights: Mapping[str, float]) -> dict[str, float]:
    """Scale a sparse term vector to unit length (empty stays empty)."""
    length = math.sqrt(sum(w * w for w in weights.values()))
    return {term: w / length for term, w in weights.items()} if length else {}


def match_themes(
    previous: Mapping[ThemeId, Mapping[str, float]],
    current: Sequence[Mapping[str, float]],
    *,
    min_similarity: float = 0.5,
) -> dict[ThemeId, int]:
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


def continued_ids(
    previous: Mapping[int, Mapping[str, float]] | None,
    current: Sequence[Mapping[str, float]],
    *,
    min_similarity: float = 0.5,
) -> list[int]:
    """Ids of the current themes: a matched theme keeps its previous id.

    Parameters
    ----------
    previous : mapping of int to {term: weight} or None
        The previous run's term centroids by theme id.
    current : sequence of {term: weight}
        The new run's term centroids, by theme index.
    min_similarity : float, default 0.5
        As in :func:`match_themes`.

    Returns
    -------
    list of int
        One id per current theme: its match's id, or the next unused id (ids of
        vanished themes are never reused); ``0..k-1`` without a previous run.

    Examples
    --------
    >>> continued_ids({4: {"refund": 1.0}}, [{"card": 1.0}, {"refund": 0.9}])
    [5, 4]
    """
    if not previous:
        return list(range(len(current)))
    matched = match_themes(previous, current, min_similarity=min_similarity)
    continued = {index: int(old_id) for old_id, index in matched.items()}
    next_id = max(int(i) for i in previous) + 1
    ids = []
    for index in range(len(current)):
        if index in continued:
            ids.append(continued[index])
        else:
            ids.append(next_id)
            next_id += 1
    return ids


def top_weights(
    matrix: sparse.csr_matrix, row: int, features: np.ndarray
) -> dict[str, float]:
    """The largest weights of one sparse row as {feature: weight}, unit length."""
    start, end = matrix.indptr[row], matrix.indptr[row + 1]
    columns, weights = matrix.indices[start:end], matrix.data[start:end]
    top = np.argsort(-weights, kind="stable")[:_CENTROID_TERMS]
    return _unit_vector({str(features[columns[i]]): float(weights[i]) for i in top})
