"""Theme identity: which new theme continues which theme of the previous run."""

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from analysis.themes import UNCLEAR
from cat_survey.analyze.fitting import FittedThemes
from cat_survey.analyze.scope import CHUNK, Labels
from cat_survey.db import db
from cat_survey.models import (
    Theme,
    ThemeAnswer,
)

#: A theme continues an old one only if it keeps more than this share of the old
#: theme's answers, and more than this share of its own previously themed answers
#: came from it: a theme split in two halves continues in neither.
MIN_KEPT_SHARE = 0.5


#: ... and their centres are at least this similar (cosine), per representation:
#: mean sentence embeddings of one topic sit far closer than mean TF-IDF terms.
MIN_CENTROID_SIMILARITY = {"semantic": 0.8, "tfidf": 0.5}


@dataclass(frozen=True)
class Lineage:
    """How a run's themes relate to the previous run's.

    ``kept`` maps a new theme's index to the old theme id it continues;
    ``moved`` maps every other old theme with answers in the run to
    ``(new index, answers)`` pairs, largest first (new index -1: unclear).
    """

    kept: dict[int, int]
    moved: dict[int, list[tuple[int, int]]]


def current_memberships(
    answer_ids: Sequence[int], themes: Mapping[int, Theme]
) -> list[int | None]:
    """The theme (among ``themes``) each answer belongs to now, or None."""
    theme_of: dict[int, int] = {}
    for start in range(0, len(answer_ids), CHUNK):
        rows = db.session.execute(
            db.select(ThemeAnswer.answer_id, ThemeAnswer.theme_id).where(
                ThemeAnswer.answer_id.in_(answer_ids[start : start + CHUNK])
            )
        )
        theme_of.update({a: t for a, t in rows if t in themes})
    return [theme_of.get(answer_id) for answer_id in answer_ids]


def cosine(
    a: Mapping[str, float] | np.ndarray, b: Mapping[str, float] | np.ndarray
) -> float:
    """Cosine similarity of two vectors, dense or as {term: weight}."""
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        dot = sum(w * b.get(term, 0.0) for term, w in a.items())
        norms = np.sqrt(sum(w * w for w in a.values()) * sum(w * w for w in b.values()))
    else:
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        dot, norms = float(a @ b), float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(dot / norms) if norms else 0.0


def centroid_similarity(
    representation: str,
    previous: Sequence[int | None],
    fitted: FittedThemes,
    vectors: np.ndarray | None,
    themes: Mapping[int, Theme],
) -> Callable[[int, int], float | None]:
    """How alike an old theme's centre and a new theme's centre are.

    With embeddings, both centres are mean vectors of this run: the old theme's
    answers (as they were before this run) against the new theme's answers.
    Otherwise the old theme's stored term centroid is compared with the new one.
    None means there is nothing to compare, and the test is skipped.
    """
    if vectors is not None:
        old_rows: dict[int, list[int]] = defaultdict(list)
        for row, theme_id in enumerate(previous):
            if theme_id is not None:
                old_rows[theme_id].append(row)
        labels = fitted.labels

        def embedded(old_id: int, new_index: int) -> float | None:
            new_rows = np.flatnonzero(labels == new_index)
            if not old_rows[old_id] or not new_rows.size:
                return None
            return cosine(
                vectors[old_rows[old_id]].mean(axis=0), vectors[new_rows].mean(axis=0)
            )

        return embedded

    def terms(old_id: int, new_index: int) -> float | None:
        old, new = themes[old_id].centroid, fitted.centroids[new_index]
        if not isinstance(old, Mapping) or not isinstance(new, Mapping):
            return None
        return cosine(old, new)

    return terms


def theme_lineage(
    previous: Sequence[int | None],
    labels: Labels,
    *,
    similarity: Callable[[int, int], float | None] = lambda old, new: None,
    min_share: float = MIN_KEPT_SHARE,
    min_similarity: float = MIN_CENTROID_SIMILARITY["tfidf"],
) -> Lineage:
    """Decide which new themes continue which old ones (see the module docstring).

    ``previous[i]`` is the old theme of answer ``i`` (None if it had none) and
    ``labels[i]`` its new theme index (-1: unclear). A pair (old, new) continues
    when the new theme holds more than ``min_share`` of the old theme's answers,
    more than ``min_share`` of the new theme's previously themed answers were the
    old theme's, and ``similarity(old, new)``, when known, reaches
    ``min_similarity``. Each theme continues at most one other.

    >>> lineage = theme_lineage([7, 7, 7, 8, 8, None], [0, 0, 1, 1, 1, 1])
    >>> lineage.kept, lineage.moved
    ({0: 7, 1: 8}, {})
    >>> theme_lineage([7, 7, 8, 8], [0, 0, 0, 0]).moved  # merged: neither continues
    {7: [(0, 2)], 8: [(0, 2)]}
    >>> theme_lineage([7, 7, 7, 7], [0, 0, 1, 1]).moved  # split in halves: neither
    {7: [(0, 2), (1, 2)]}
    """
    overlap: Counter[tuple[int, int]] = Counter()
    old_sizes: Counter[int] = Counter()
    new_previously_themed: Counter[int] = Counter()
    for old, new in zip(previous, labels, strict=True):
        if old is None:
            continue
        overlap[old, int(new)] += 1
        old_sizes[old] += 1
        if new != UNCLEAR:
            new_previously_themed[int(new)] += 1
    kept: dict[int, int] = {}
    taken: set[int] = set()
    for (old, new), count in sorted(overlap.items(), key=lambda kv: (-kv[1], kv[0])):
        if new == UNCLEAR or new in kept or old in taken:
            continue
        if count / old_sizes[old] <= min_share:
            continue
        if count / new_previously_themed[new] <= min_share:
            continue
        alike = similarity(old, new)
        if alike is not None and alike < min_similarity:
            continue
        kept[new] = old
        taken.add(old)
    moved: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for (old, new), count in overlap.items():
        if old not in taken:
            moved[old].append((new, count))
    for pairs in moved.values():
        pairs.sort(key=lambda pair: (-pair[1], pair[0]))
    return Lineage(kept, dict(sorted(moved.items())))
