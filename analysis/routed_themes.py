"""Routed themes: themes that each hold the answers of one department.

Clustering all answers and then routing each theme mixes departments: a theme
about "slow replies" collects support and sales answers alike, and routing the
theme sends half of them to the wrong advocate. :func:`fit_routed_themes` routes
first and clusters second:

1. every answer is routed on its own (``router.route(texts)``: the router's only
   API used here, so any router with that method works);
2. the answers of each department are clustered with :class:`ThemeModel`, and the
   answers the router was unsure of (triage) are clustered on their own, as themes
   with ``department=None`` whose ``best_guess`` says where they most likely go;
3. each theme reports the department, the best guess, the mean confidence of its
   answers and the words that routed them (``route_terms``); labels are unique
   across departments and ids continue a previous run's where the term centroids
   match (:func:`analysis.themes.match_themes`).

An answer routed through its theme therefore reaches exactly the department it
would reach alone.

A theme can hold one stance as well: given each answer's ``stances`` (say
"praise" or "problem", from its sentiment), the answers of a department are
themed apart by stance, so that praise of the support team and complaints about
it become two themes, each with its own label, quotes and sentiment, instead of
one half-praise "support team" theme whose mean sentiment says nothing.

Examples
--------
>>> from analysis.routing import DepartmentRouter
>>> router = DepartmentRouter().fit(
...     ["the app crashes", "error on login", "price too high", "wrong invoice"],
...     ["tech", "tech", "sales", "sales"])
>>> answers = ["the app crashes on login", "app crashes after login",
...            "login error, the app crashes", "the invoice price is wrong",
...            "wrong price on my invoice", "invoice price too high"]
>>> routed = fit_routed_themes(answers, router, representation="tfidf", min_df=1)
>>> sorted((t.department, t.size) for t in routed.themes)
[('sales', 3), ('tech', 3)]
>>> routed.departments
['tech', 'tech', 'tech', 'sales', 'sales', 'sales']
"""

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import numpy as np

from analysis.labels import unique_labels
from analysis.themes import UNCLEAR, Theme, ThemeModel, continued_ids

__all__ = ["RoutedTheme", "RoutedThemes", "Router", "fit_routed_themes"]

# Terms that routed a theme's answers, kept per theme.
_ROUTE_TERMS = 5


class _Decision(Protocol):
    department: str | None
    best_guess: str
    confidence: float
    terms: tuple[str, ...]


class Router(Protocol):
    """What :func:`fit_routed_themes` needs of a router (``DepartmentRouter``)."""

    def route(self, texts: Sequence[str]) -> Sequence[_Decision]: ...


@dataclass(frozen=True)
class RoutedTheme(Theme):
    """A :class:`analysis.themes.Theme` of one department, with why it went there.

    Attributes
    ----------
    department : str or None
        The department every answer of the theme was routed to; ``None`` for a
        theme of triage answers.
    best_guess : str
        The most likely department (the department itself, or for triage the
        commonest best guess of its answers).
    confidence : float
        Mean routing confidence of the theme's answers.
    route_terms : tuple of str
        Words that most often decided its answers' routing.
    stance : str or None
        The stance every answer of the theme has, when stances were given.
    """

    department: str | None = None
    best_guess: str = ""
    confidence: float = 0.0
    route_terms: tuple[str, ...] = ()
    stance: str | None = None


#: The answers themed together: a department (None: triage) and a stance (None
#: when no stances were given).
Group = tuple[str | None, str | None]


@dataclass(frozen=True)
class RoutedThemes:
    """The result of :func:`fit_routed_themes`.

    Attributes
    ----------
    themes : list of RoutedTheme
        All themes, largest first.
    labels : ndarray of int
        Index into ``themes`` of each answer, or -1 (unclear).
    similarities : ndarray of float
        Each answer's similarity to its nearest theme centre.
    departments : list of str or None
        The department each answer reaches: its theme's, or for an unclear answer
        its own routing (``None``: triage).
    groups : list of Group
        The group each answer was themed in: its department and stance (None
        where its department was themed whole).
    models : dict of Group to ThemeModel
        The fitted :class:`ThemeModel` of each ``(department, stance)`` group
        (department ``None``: triage; stance ``None`` without stances), to place
        later answers with ``predict`` after routing them.
    term_centroids : dict of int to {term: weight}
        Each theme's term centroid by id: the next run's ``previous``.
    representations : dict of str to str
        Representation used per language (as ``ThemeModel.representations_``).
    """

    themes: list[RoutedTheme]
    labels: np.ndarray
    similarities: np.ndarray
    departments: list[str | None]
    groups: list[Group] = field(default_factory=list)
    models: dict[Group, ThemeModel] = field(default_factory=dict)
    term_centroids: dict[int, dict[str, float]] = field(default_factory=dict)
    representations: dict[str, str] = field(default_factory=dict)


def fit_routed_themes(
    texts: Sequence[str],
    router: Router,
    *,
    ratings: Sequence[int | None] | None = None,
    stances: Sequence[str | None] | None = None,
    embeddings: np.ndarray | Sequence[np.ndarray | None] | None = None,
    previous: Mapping[int, Mapping[str, float]] | None = None,
    **model_params: Any,
) -> RoutedThemes:
    """Route each answer, then cluster the answers of each department.

    Parameters
    ----------
    texts : sequence of str
        Free-text answers.
    router : Router
        A fitted router with ``route(texts) -> list of Decision``
        (:class:`analysis.routing.DepartmentRouter`).
    ratings : sequence of int or None, optional
        NPS rating per answer (see :meth:`ThemeModel.fit`).
    stances : sequence of str or None, optional
        The stance of each answer (e.g. "praise" or "problem"); answers of one
        department and different stances never share a theme, unless one of the
        department's stances is too little text for a theme of its own: then
        the department is themed whole (its themes' ``stance`` is None).
    embeddings : array of shape (n_answers, dim), optional
        Stored sentence embeddings, one row per answer.
    previous : mapping of int to {term: weight}, optional
        A previous run's ``term_centroids``: matched themes keep their ids.
    **model_params
        :class:`ThemeModel` parameters (``n_themes``, ``representation``,
        ``model``, ``random_state``...). An integer ``n_themes`` is shared among
        departments by their number of answers.

    Returns
    -------
    RoutedThemes

    Raises
    ------
    ValueError
        If no department has enough text for a theme, or ``ratings``,
        ``stances`` or ``embeddings`` does not have one entry per answer.
    """
    texts = [str(t) for t in texts]
    for name, values in (
        ("ratings", ratings),
        ("stances", stances),
        ("embeddings", embeddings),
    ):
        if values is not None and len(values) != len(texts):
            raise ValueError(
                f"{name} has {len(values)} entries but there are {len(texts)} texts"
            )
    decisions = list(router.route(texts))
    by_department: dict[str | None, dict[str | None, list[int]]] = {}
    for index, decision in enumerate(decisions):
        stance = None if stances is None else stances[index]
        parts = by_department.setdefault(decision.department, {})
        parts.setdefault(stance, []).append(index)
    n_themes = model_params.pop("n_themes", "auto")

    def fitted(rows: list[int]) -> ThemeModel | None:
        """The theme model of these answers; None when they are too little text."""
        share = n_themes
        if n_themes != "auto":
            share = max(1, round(int(n_themes) * len(rows) / len(texts)))
        model = ThemeModel(n_themes=share, **model_params)
        try:
            return model.fit(
                [texts[i] for i in rows],
                ratings=None if ratings is None else [ratings[i] for i in rows],
                embeddings=None
                if embeddings is None
                else [embeddings[i] for i in rows],
            )
        except ValueError:
            return None

    labels = np.full(len(texts), UNCLEAR, dtype=np.intp)
    similarities = np.zeros(len(texts))
    groups: list[Group] = [(d.department, None) for d in decisions]
    found: list[tuple[Theme, dict[str, float], np.ndarray, Group]] = []
    models: dict[Group, ThemeModel] = {}
    representations: dict[str, str] = {}
    for department, parts in by_department.items():
        fits = {stance: fitted(rows) for stance, rows in parts.items()}
        if len(parts) > 1 and None in fits.values():
            # A stance too small to theme on its own: the department is themed
            # whole rather than leave those answers unclear.
            parts = {None: sorted(i for rows in parts.values() for i in rows)}
            fits = {None: fitted(parts[None])}
        for stance, rows in parts.items():
            for i in rows:
                groups[i] = (department, stance)
            model = fits[stance]
            if model is None:
                continue  # too little text in this group: its answers stay unclear
            group = (department, stance)
            models[group] = model
            representations.update(model.representations_)
            rows_array = np.array(rows)
            similarities[rows_array] = model.similarities_
            for local, theme in enumerate(model.themes_):
                members = rows_array[model.labels_ == local]
                labels[members] = len(found)
                found.append((theme, model.term_centroids_[theme.id], members, group))
    if not found:
        raise ValueError("themes need at least two answers with known words")
    order = sorted(range(len(found)), key=lambda t: -found[t][0].size)
    rank = np.empty(len(found), dtype=np.intp)
    rank[order] = np.arange(len(found))
    themed = labels >= 0
    labels[themed] = rank[labels[themed]]
    found = [found[t] for t in order]
    centroids = [centroid for _, centroid, _, _ in found]
    ids = continued_ids(
        previous,
        centroids,
        min_similarity=model_params.get("min_match_similarity", 0.5),
    )
    names = unique_labels(
        [[theme.label] for theme, _, _, _ in found],
        [theme.terms for theme, _, _, _ in found],
    )
    themes = [
        RoutedTheme(
            **{**asdict(theme), "id": ids[t], "label": names[t]},
            department=department,
            stance=stance,
            **_routing_evidence([decisions[i] for i in members], department),
        )
        for t, (theme, _, members, (department, stance)) in enumerate(found)
    ]
    departments = [
        themes[label].department if label >= 0 else decision.department
        for label, decision in zip(labels.tolist(), decisions, strict=True)
    ]
    return RoutedThemes(
        themes=themes,
        labels=labels,
        similarities=similarities,
        departments=departments,
        groups=groups,
        models=models,
        term_centroids=dict(zip(ids, centroids, strict=True)),
        representations=representations,
    )


def _routing_evidence(
    decisions: Sequence[_Decision], department: str | None
) -> dict[str, Any]:
    """Best guess, mean confidence and deciding words of a theme's answers."""
    guesses = Counter(d.best_guess for d in decisions)
    best_guess = department or guesses.most_common(1)[0][0]
    terms = Counter(term for d in decisions for term in d.terms)
    return {
        "best_guess": best_guess,
        "confidence": round(float(np.mean([d.confidence for d in decisions])), 4),
        "route_terms": tuple(term for term, _ in terms.most_common(_ROUTE_TERMS)),
    }
