"""Benchmark: department routing against keyword matching on a held-out labelled set.

Run ``python bench/bench_routing.py``. The router is trained on the shipped catalog
only (``surveys/departments.yaml``); ``tests/data/routing_labelled.csv`` is never
trained on. Both methods are scored on every row: accuracy and macro-F1 over the
departments, where a row the keyword matcher cannot place (no keyword) counts as
wrong. The router's forced choice (``predict``) is what is compared; its triage
rate and the accuracy of the answers it does route are printed beside it, and
so is theme routing (five answers of one department routed together).
"""

import csv
import random
import sys
import time
from pathlib import Path

from sklearn.metrics import accuracy_score, f1_score

from analysis.routing import (
    DepartmentRouter,
    keyword_departments,
    load_catalog,
    training_data,
)

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "surveys" / "departments.yaml"
LABELLED = ROOT / "tests" / "data" / "routing_labelled.csv"
THEME_SIZE = 5
THEMES_PER_DEPARTMENT = 20


def main() -> int:
    """Print both methods' scores and the router-to-baseline ratios."""
    catalog = load_catalog(CATALOG)
    with LABELLED.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    texts = [row["text"] for row in rows]
    truth = [row["department"] for row in rows]
    slugs = list(catalog.slugs)

    started = time.perf_counter()
    router = DepartmentRouter().fit(*training_data(catalog))
    fitted = time.perf_counter()
    predicted = router.predict(texts).tolist()
    decisions = router.route(texts)
    routed_at = time.perf_counter()
    # "none" is not a department, so a keyword miss is wrong for both metrics.
    baseline = [slug or "none" for slug in keyword_departments(texts, catalog)]

    scores = {
        "router": _scores(truth, predicted, slugs),
        "keywords": _scores(truth, baseline, slugs),
    }
    print(f"held-out set: {len(rows)} comments, {len(slugs)} departments")
    print(f"catalog: {len(training_data(catalog)[0])} training phrases")
    print(f"{'method':10} {'accuracy':>9} {'macro-F1':>9}")
    for method, (accuracy, macro_f1) in scores.items():
        print(f"{method:10} {accuracy:9.3f} {macro_f1:9.3f}")
    router_scores, baseline_scores = scores["router"], scores["keywords"]
    print(
        f"ratio router/keywords: accuracy {router_scores[0] / baseline_scores[0]:.2f}x,"
        f" macro-F1 {router_scores[1] / baseline_scores[1]:.2f}x"
    )
    unplaced = baseline.count("none")
    print(f"keywords: {unplaced} comments ({unplaced / len(rows):.0%}) matched none")

    routed = [(d, t) for d, t in zip(decisions, truth, strict=True) if d.department]
    routed_accuracy = sum(d.department == t for d, t in routed) / max(len(routed), 1)
    print(
        f"router triage (min_confidence={router.min_confidence}, "
        f"min_margin={router.min_margin}): {1 - len(routed) / len(rows):.0%} "
        f"of comments; accuracy of the {len(routed)} routed: {routed_accuracy:.3f}"
    )
    themes_accuracy, themes_triage = _theme_scores(router, texts, truth)
    print(
        f"themes of {THEME_SIZE} answers: best-guess accuracy {themes_accuracy:.3f}, "
        f"triaged {themes_triage:.0%}"
    )
    print(
        f"time: fit {fitted - started:.2f} s, "
        f"route {len(rows)} comments {routed_at - fitted:.2f} s"
    )
    return 0


def _scores(truth: list[str], predicted: list[str], slugs: list[str]) -> tuple:
    """Return (accuracy, macro-F1 over the catalog's departments)."""
    accuracy = accuracy_score(truth, predicted)
    macro_f1 = f1_score(truth, predicted, labels=slugs, average="macro")
    return accuracy, macro_f1


def _theme_scores(
    router: DepartmentRouter, texts: list[str], truth: list[str]
) -> tuple[float, float]:
    """Route random same-department themes; return (accuracy, triage share)."""
    by_department: dict[str, list[str]] = {}
    for text, department in zip(texts, truth, strict=True):
        by_department.setdefault(department, []).append(text)
    rng = random.Random(0)
    correct = triaged = total = 0
    for department, answers in sorted(by_department.items()):
        for _ in range(THEMES_PER_DEPARTMENT):
            decision = router.route_theme(rng.sample(answers, THEME_SIZE))
            correct += decision.best_guess == department
            triaged += decision.needs_triage
            total += 1
    return correct / total, triaged / total


if __name__ == "__main__":
    sys.exit(main())
