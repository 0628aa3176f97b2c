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

Then the app's own themes (``flask analyze``'s way, without a database:
:func:`cat_survey.analyze.sentiment.answer_sentiments`, then
:func:`analysis.routed_themes.fit_routed_themes`, then the second look at triage
themes) as the app was (weak labels from the rating alone, praise and
complaints themed together) and as it is (ratings read in the light of each
question's ``asks_for:``, one stance per theme), in the same run. A theme is a
complaint theme when most of its answers were written as complaints (the
simulation's truth), a praise theme when most are praise; printed: complaint
themes scoring negative, praise themes scoring positive, themes whose answers
are at least a quarter praise and a quarter complaints ("mixed"), the share of
themed answers in triage and the unclear share. Pass ``--app-only`` to skip the
comparison above.
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

from analysis import routing
from analysis.embeddings import load_encoder, semantic_available
from analysis.routed_themes import fit_routed_themes
from analysis.routing import DepartmentRouter, load_catalog, training_data
from analysis.themes import UNCLEAR, ThemeModel
from cat_survey.analyze.routing import theme_route
from cat_survey.analyze.sentiment import answer_sentiments
from cat_survey.demo.simulation import DemoAnswer, demo_answers, survey_definitions

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


@dataclass(frozen=True)
class AppThemes:
    """How the app's themes of the demo read, as :func:`app_themes` measured them."""

    themes: int
    complaint_themes: int
    complaint_negative: int
    praise_themes: int
    praise_positive: int
    mixed: int
    triage: float
    unclear: float
    failing: list[str]


def app_themes(
    answers: list[DemoAnswer],
    vectors: np.ndarray | None,
    router: DepartmentRouter,
    *,
    representation: str,
    model: str | None,
    by_question: bool,
) -> AppThemes:
    """Theme the answers as ``flask analyze`` does and score their sentiment.

    ``by_question`` False is the app before question intents and stances.
    """
    texts = [answer.text for answer in answers]
    ratings = [answer.nps for answer in answers]
    definitions = survey_definitions()
    asks_for = [
        definitions[a.survey].question(a.question_id).asks_for  # type: ignore[union-attr]
        for a in answers
    ]
    sentiment = answer_sentiments(
        texts,
        ratings,
        asks_for if by_question else None,
        representation=representation,
        model=model,
    )
    routed = fit_routed_themes(
        texts,
        router,
        ratings=ratings,
        stances=sentiment.stances if by_question else None,
        embeddings=vectors,
        representation=representation,
        model=model,
        random_state=0,
    )
    complaints = negative = praise = positive = mixed = in_triage = 0
    failing = []
    order = np.argsort(-routed.similarities, kind="stable")
    for index, theme in enumerate(routed.themes):
        members = [i for i in order if routed.labels[i] == index]
        voices = Counter(answers[i].voice for i in members)
        score = float(sentiment.scores[members].mean())
        top = voices.most_common(1)[0][0]
        if min(voices["praise"], voices["complaint"]) >= len(members) / 4:
            mixed += 1
        if top == "complaint":
            complaints += 1
            negative += score < 0
            if score >= 0:
                failing.append(
                    f"{score:+.2f} {theme.label!r} ({theme.department}, "
                    f"{len(members)} answers: {dict(voices)})"
                )
        elif top == "praise":
            praise += 1
            positive += score > 0
        route = theme_route(theme, [texts[i] for i in members], router)
        in_triage += len(members) if route.department is None else 0
    themed = int((routed.labels != UNCLEAR).sum())
    return AppThemes(
        themes=len(routed.themes),
        complaint_themes=complaints,
        complaint_negative=negative,
        praise_themes=praise,
        praise_positive=positive,
        mixed=mixed,
        triage=in_triage / max(themed, 1),
        unclear=1 - themed / len(texts),
        failing=failing,
    )


def print_app_themes(answers: list[DemoAnswer]) -> None:
    """The app's themes before and after question intents and stances."""
    encoder = load_encoder() if semantic_available() else None
    representation = "semantic" if encoder is not None else "tfidf"
    model = encoder.name if encoder is not None else None
    texts = [answer.text for answer in answers]
    vectors = encoder.encode(texts) if encoder is not None else None
    router = routing.build_router(
        load_catalog(CATALOG), [], representation=representation, model=model
    )
    print(f"\nthe app's themes ({representation}), before -> after:")
    results = [
        app_themes(
            answers,
            vectors,
            router,
            representation=representation,
            model=model,
            by_question=by_question,
        )
        for by_question in (False, True)
    ]
    before, after = results
    for name, text in (
        ("themes", lambda r: f"{r.themes}"),
        ("complaint themes negative",
         lambda r: f"{r.complaint_negative}/{r.complaint_themes}"),
        ("praise themes positive", lambda r: f"{r.praise_positive}/{r.praise_themes}"),
        ("mixed praise/complaint themes", lambda r: f"{r.mixed}"),
        ("themed answers in triage", lambda r: f"{r.triage:.1%}"),
        ("unclear answers", lambda r: f"{r.unclear:.1%}"),
    ):  # fmt: skip
        print(f"  {name:32} {text(before):>9} -> {text(after)}")
    for result, when in ((before, "before"), (after, "after")):
        for line in result.failing:
            print(f"  complaint theme not negative ({when}): {line}")


def main() -> int:
    """Print both methods' scores, the ratios and the model's biggest themes."""
    arguments = [a for a in sys.argv[1:] if a != "--app-only"]
    count = int(arguments[0]) if arguments else 1500
    seed = int(arguments[1]) if len(arguments) > 1 else 7
    answers = demo_answers(count=count, seed=seed, now=NOW)
    if "--app-only" in sys.argv:
        print_app_themes(answers)
        return 0
    texts = [answer.text for answer in answers]
    truth = [answer.department or NONE for answer in answers]
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
    print_app_themes(answers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
