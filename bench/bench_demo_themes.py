"""Benchmark: themes and theme routing on the demo's answers, whose truth is known.

Run ``python bench/bench_demo_themes.py [COUNT] [SEED]`` (default 1,500 and 7).
:func:`cat_survey.demo.simulation.demo_comments` writes free-text answers exactly as
``flask seed-demo`` does (English and Japanese, openers, closers, typos, "No, all
good so far.") and says which department each is about; an answer about none
(all good, a competitor's name) has the class ``none``.

Compared on the same answers:

* baseline: plain scikit-learn ``TfidfVectorizer()`` + ``KMeans`` told the k that
  the model chose, every answer in a theme;
* model: :class:`analysis.themes.ThemeModel` with ``n_themes="auto"``.

Printed for each: number of themes; purity (share of a theme's answers from its
majority class, size-weighted, over the answers in a theme); ARI and NMI against
the classes on every answer, unclear answers counted as one more cluster; the
unclear share, and how many ``none`` answers still got a theme; theme routing
(:meth:`analysis.routing.DepartmentRouter.route_theme` on up to 200 answers per
theme, closest to the centre first, as the app does): the share of themes whose
best guess is their majority department, the triage share, and the accuracy of
the themes routed without triage. Then the ratios model / baseline and the 15
biggest themes of the model with their labels.
"""

import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from analysis.routing import DepartmentRouter, load_catalog, training_data
from analysis.themes import UNCLEAR, ThemeModel
from cat_survey.demo.simulation import demo_comments

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "surveys" / "departments.yaml"
# A fixed end of the simulated year, so that every run sees the same answers.
NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
NONE = "none"
ROUTING_SAMPLE = 200
SHOWN = 15


@dataclass(frozen=True)
class Result:
    """The scores of one clustering of the demo answers."""

    themes: int
    purity: float
    ari: float
    nmi: float
    unclear: float
    none_themed: float
    best_guess_accuracy: float
    triage: float
    routed_accuracy: float
    seconds: float


def majority(classes: list[str]) -> tuple[str, int]:
    """The commonest class of a theme and how many of its answers have it."""
    return Counter(classes).most_common(1)[0]


def evaluate(
    texts: list[str],
    truth: list[str],
    labels: np.ndarray,
    order: np.ndarray,
    router: DepartmentRouter,
    seconds: float,
) -> tuple[Result, dict[int, tuple]]:
    """Score one clustering; ``order`` ranks answers by closeness to their centre."""
    themed = labels != UNCLEAR
    clusters = sorted(set(labels[themed].tolist()))
    pure = 0
    routed_right = best_right = routed = triaged = departmental = 0
    details = {}
    for theme in clusters:
        members = [i for i in order if labels[i] == theme]
        top, count = majority([truth[i] for i in members])
        pure += count
        decision = router.route_theme([texts[i] for i in members[:ROUTING_SAMPLE]])
        details[theme] = (len(members), top, count / len(members), decision)
        if top == NONE:
            continue
        departmental += 1
        best_right += decision.best_guess == top
        triaged += decision.needs_triage
        if not decision.needs_triage:
            routed += 1
            routed_right += decision.department == top
    none = np.array([t == NONE for t in truth])
    result = Result(
        themes=len(clusters),
        purity=pure / max(int(themed.sum()), 1),
        ari=adjusted_rand_score(truth, labels),
        nmi=normalized_mutual_info_score(truth, labels),
        unclear=float(1 - themed.mean()),
        none_themed=float(themed[none].mean()) if none.any() else 0.0,
        best_guess_accuracy=best_right / max(departmental, 1),
        triage=triaged / max(departmental, 1),
        routed_accuracy=routed_right / max(routed, 1),
        seconds=seconds,
    )
    return result, details


def main() -> int:
    """Print both methods' scores, the ratios and the model's biggest themes."""
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1500
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    comments = demo_comments(count=count, seed=seed, now=NOW)
    texts = [text for text, _ in comments]
    truth = [slug or NONE for _, slug in comments]
    router = DepartmentRouter().fit(*training_data(load_catalog(CATALOG)))
    print(f"demo answers: {len(texts):,} (seed {seed}); classes: ", end="")
    print(", ".join(f"{c} {n}" for c, n in Counter(truth).most_common()))

    start = time.perf_counter()
    model = ThemeModel(random_state=0).fit(texts)
    elapsed = time.perf_counter() - start
    order = np.argsort(-model.similarities_, kind="stable")
    ours, details = evaluate(texts, truth, model.labels_, order, router, elapsed)

    start = time.perf_counter()
    tfidf = TfidfVectorizer().fit_transform(texts)
    kmeans = KMeans(n_clusters=max(ours.themes, 2), random_state=0).fit(tfidf)
    elapsed = time.perf_counter() - start
    distance = kmeans.transform(tfidf)[np.arange(len(texts)), kmeans.labels_]
    baseline, _ = evaluate(
        texts, truth, kmeans.labels_, np.argsort(distance), router, elapsed
    )

    fields = list(Result.__dataclass_fields__)
    print(f"\n{'metric':20} {'baseline':>9} {'model':>9} {'ratio':>7}")
    for name in fields:
        base, value = getattr(baseline, name), getattr(ours, name)
        ratio = f"{value / base:6.2f}x" if base else "      -"
        print(f"{name:20} {base:9.3f} {value:9.3f} {ratio}")

    print(f"\nmodel's {SHOWN} biggest themes (size, majority class, its share, route):")
    for index, theme in enumerate(model.themes_[:SHOWN]):
        size, top, share, decision = details[index]
        route = decision.department or f"triage ({decision.best_guess}?)"
        print(
            f"{size:4d}  {top:14} {share:4.0%}  {route:24} "
            f"{decision.confidence:.2f}  {theme.label}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
