"""Fitting themes: the representation and the routed theme models."""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from flask import current_app

from analysis.embeddings import (
    EmbeddingUnavailable,
    resolve_representation,
)
from analysis.routed_themes import Group, fit_routed_themes
from analysis.routing import DepartmentRouter
from analysis.themes import UNCLEAR, ThemeModel
from cat_survey.analyze.scope import AnalysisError, TextAnswer
from cat_survey.embeddings import configured_encoder


@dataclass(frozen=True)
class FittedThemes:
    """What a run needs from whatever model grouped the answers.

    ``labels`` index ``themes`` (or are -1, unclear); ``centroids`` are each
    theme's term centroid for the record; ``model`` is what ``--assign-new``
    unpickles later to place new answers.
    """

    model: Any
    labels: np.ndarray
    similarities: np.ndarray
    themes: list[Any]
    centroids: list[dict[str, float] | None]
    representations: dict[str, str] = field(default_factory=dict)


def theme_representation() -> tuple[str, Any]:
    """The representation this app runs and its encoder (None for TF-IDF).

    ``THEME_REPRESENTATION`` is "auto" (semantic when the embedding model
    loads), "tfidf" or "semantic" (which fails with the reason when it cannot).
    """
    requested = current_app.config.get("THEME_REPRESENTATION") or "auto"
    model = current_app.config.get("EMBEDDING_MODEL") or None
    try:
        chosen = resolve_representation(requested, model)
    except (EmbeddingUnavailable, ValueError) as error:
        raise AnalysisError(str(error)) from error
    return chosen, configured_encoder() if chosen == "semantic" else None


class RoutedPlacer:
    """Places later answers as the run grouped them: route each, then its model.

    What ``--assign-new`` unpickles: the run's router and the fitted
    :class:`ThemeModel` of each (department, stance) group, with the run's
    theme index of every group theme. An answer is routed, then placed by the
    model of its department and stance (given as the run gave them: see
    :func:`cat_survey.analyze.sentiment.answer_stances`), or of its department
    when the run themed that department whole. An answer whose group has no
    model, or no theme for it, stays unclear until the next run.
    """

    def __init__(
        self,
        router: DepartmentRouter,
        models: Mapping[Group, ThemeModel],
        themes_of: Mapping[Group, list[int]],
    ) -> None:
        self.router = router
        self.models = dict(models)
        self.themes_of = {key: list(value) for key, value in themes_of.items()}

    def get_params(self) -> dict[str, Any]:
        """What the run records about its model (the first department's settings)."""
        first = next(iter(self.models.values()), None)
        params = first.get_params() if first is not None else {}
        return {**params, "routed": True, "departments": len(self.models)}

    def predict_with_similarity(
        self,
        texts: Sequence[str],
        embeddings: np.ndarray | None = None,
        stances: Sequence[str | None] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Run theme index (or -1) and similarity of each answer.

        ``stances`` gives each answer's stance when the run themed by stance.
        """
        labels = np.full(len(texts), UNCLEAR, dtype=np.intp)
        similarities = np.zeros(len(texts))
        rows_of: dict[Group, list[int]] = defaultdict(list)
        for row, decision in enumerate(self.router.route(list(texts))):
            stance = None if stances is None else stances[row]
            rows_of[decision.department, stance].append(row)
        for group, rows in rows_of.items():
            if group not in self.models:
                group = (group[0], None)  # a department the run themed whole
            model = self.models.get(group)
            if model is None:
                continue
            local, similarity = model.predict_with_similarity(
                [texts[row] for row in rows],
                None if embeddings is None else embeddings[rows],
            )
            index = np.array(self.themes_of[group] + [UNCLEAR], dtype=np.intp)
            labels[rows] = index[np.asarray(local)]  # local -1 picks the UNCLEAR
            similarities[rows] = similarity
        return labels, similarities

    @property
    def by_stance(self) -> bool:
        """Whether the run themed praise and problems apart."""
        return any(stance is not None for _, stance in self.models)


def fit_themes(
    answers: Sequence[TextAnswer],
    *,
    router: DepartmentRouter,
    representation: str,
    encoder: Any,
    vectors: np.ndarray | None,
    n_themes: int | str,
    seed: int,
    verbose: bool,
    stances: Sequence[str] | None = None,
) -> FittedThemes:
    """Route every answer, then theme each department's answers on their own.

    A theme therefore holds answers of one department (those the router was
    unsure of form triage themes) and, given ``stances``, of one stance; the one
    place that knows the analysis API is here.
    """
    texts = [answer.text for answer in answers]
    routed = fit_routed_themes(
        texts,
        router,
        ratings=[answer.nps for answer in answers],
        stances=stances,
        embeddings=vectors,
        n_themes=n_themes,
        representation=representation,
        model=encoder.name if encoder is not None else None,
        random_state=seed,
        verbose=verbose,
    )
    themes_of: dict[Group, list[int]] = {}
    for group, model in routed.models.items():
        rows = np.array(
            [i for i, g in enumerate(routed.groups) if g == group], dtype=np.intp
        )
        local = np.asarray(model.labels_)
        themes_of[group] = [
            int(routed.labels[rows[np.flatnonzero(local == t)[0]]])
            for t in range(len(model.themes_))
        ]
    return FittedThemes(
        model=RoutedPlacer(router, routed.models, themes_of),
        labels=np.asarray(routed.labels),
        similarities=np.asarray(routed.similarities),
        themes=list(routed.themes),
        centroids=[routed.term_centroids.get(t.id) for t in routed.themes],
        representations=dict(routed.representations),
    )


def predict_themes(
    model: Any,
    texts: Sequence[str],
    vectors: np.ndarray | None,
    stances: Sequence[str] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Place answers into a stored model's themes: (theme index or -1, similarity)."""
    labels, similarities = model.predict_with_similarity(list(texts), vectors, stances)
    return np.asarray(labels), np.asarray(similarities)
