"""Fitting themes: the representation, the routed theme models, sentiment."""

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
from analysis.routed_themes import fit_routed_themes
from analysis.routing import DepartmentRouter
from analysis.sentiment import (
    default_model,
    disagreements,
    sentiment_scores,
    with_weak_labels,
)
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


@dataclass(frozen=True)
class AnswerSentiment:
    """Each answer's sentiment (-1..1) and whether its text contradicts its rating."""

    scores: np.ndarray
    disagrees: np.ndarray


def answer_sentiments(
    answers: Sequence[TextAnswer], representation: str, encoder: Any
) -> AnswerSentiment:
    """Score every answer with the sentiment model adapted to these ratings.

    The shipped model is refitted with each rated answer as a weak label (a
    detractor's answer counts as a little evidence of a complaint, a promoter's
    of praise), so it learns how this deployment's customers complain. An
    answer is flagged as contradicting its rating only when both the shipped
    model (which has not learned to agree with the ratings) and the adapted one
    (which knows this deployment's words) read it the opposite way: either alone
    flagged plain complaints such as "long hold time before support picked up".
    """
    texts = [answer.text for answer in answers]
    ratings = [answer.nps for answer in answers]
    base = default_model(
        representation=representation,
        model=encoder.name if encoder is not None else None,
    )
    adapted = with_weak_labels(texts, ratings, model=base)
    flags = np.zeros(len(texts), dtype=bool)
    both = {found.index for found in disagreements(texts, ratings, model=base)}
    both &= {found.index for found in disagreements(texts, ratings, model=adapted)}
    flags[sorted(both)] = True
    return AnswerSentiment(sentiment_scores(texts, model=adapted), flags)


class RoutedPlacer:
    """Places later answers as the run grouped them: route each, then its model.

    What ``--assign-new`` unpickles: the run's router and each department's
    fitted :class:`ThemeModel`, with the run's theme index of every department
    theme. An answer routed to a department whose model has no theme for it,
    or to no fitted department, stays unclear until the next run.
    """

    def __init__(
        self,
        router: DepartmentRouter,
        models: Mapping[str | None, ThemeModel],
        themes_of: Mapping[str | None, list[int]],
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
        self, texts: Sequence[str], embeddings: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Run theme index (or -1) and similarity of each answer."""
        labels = np.full(len(texts), UNCLEAR, dtype=np.intp)
        similarities = np.zeros(len(texts))
        rows_of: dict[str | None, list[int]] = defaultdict(list)
        for row, decision in enumerate(self.router.route(list(texts))):
            rows_of[decision.department].append(row)
        for department, rows in rows_of.items():
            model = self.models.get(department)
            if model is None:
                continue
            local, similarity = model.predict_with_similarity(
                [texts[row] for row in rows],
                None if embeddings is None else embeddings[rows],
            )
            index = np.array(self.themes_of[department] + [UNCLEAR], dtype=np.intp)
            labels[rows] = index[np.asarray(local)]  # local -1 picks the UNCLEAR
            similarities[rows] = similarity
        return labels, similarities


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
) -> FittedThemes:
    """Route every answer, then theme each department's answers on their own.

    A theme therefore holds answers of one department (those the router was
    unsure of form triage themes), and the one place that knows the analysis
    API is here.
    """
    texts = [answer.text for answer in answers]
    routed = fit_routed_themes(
        texts,
        router,
        ratings=[answer.nps for answer in answers],
        embeddings=vectors,
        n_themes=n_themes,
        representation=representation,
        model=encoder.name if encoder is not None else None,
        random_state=seed,
        verbose=verbose,
    )
    themes_of: dict[str | None, list[int]] = {}
    for department, model in routed.models.items():
        rows = np.array(
            [i for i, d in enumerate(routed.departments) if d == department],
            dtype=np.intp,
        )
        local = np.asarray(model.labels_)
        themes_of[department] = [
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
    model: Any, texts: Sequence[str], vectors: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Place answers into a stored model's themes: (theme index or -1, similarity)."""
    labels, similarities = model.predict_with_similarity(list(texts), vectors)
    return np.asarray(labels), np.asarray(similarities)
