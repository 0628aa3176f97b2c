"""Benchmark: department routing against two baselines measured in the same run.

Run ``python bench/bench_routing.py [--model FOLDER] [--draws N]``. Three sets:

* **CX comments** (``tests/data/routing_labelled.csv``, 270 English comments): the
  router learns from the shipped catalog only and never sees these rows.
* **Japanese comments** (``tests/data/ja_comments.csv``): the same catalog-only
  router, on Japanese customers' comments.
* **Assistant queries** (``tests/data/routing_assistant_queries.csv``, 135 short
  requests typed into a company's chat assistant, CLINC-style: "is the service down
  right now", "send me a copy of my last invoice"): the same catalog-only router on
  questions and commands rather than feedback.
* **SemEval-2014 restaurant sentences** (``../shared/datasets/``, read in place, never
  copied): sentences with a single aspect category, the five categories standing
  for departments, 10 random sentences per category as the only training data and
  every other sentence as the test, averaged over several draws.
  ``anecdotes/miscellaneous`` is kept: it is the largest category, and a catch-all
  department is what real catalogs have too.

The baselines are the catalog's keyword matcher (:func:`keyword_departments`; on
SemEval each category's own name is its keyword) and plain TF-IDF + logistic
regression (scikit-learn defaults). Accuracy is the forced choice (``predict``);
beside it, at the default triage thresholds, *coverage* is the share of answers
routed without triage and *precision* the accuracy of those routed. A
coverage/precision table over thresholds shows what the default trades, and themes
of five same-department answers show theme routing.
"""

import argparse
import csv
import random
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from analysis.catalog import Catalog, Department, load_catalog, training_data
from analysis.embeddings import configured_model
from analysis.routing import (
    DEFAULT_MIN_CONFIDENCE,
    DEFAULT_MIN_MARGIN,
    DepartmentRouter,
    keyword_departments,
)

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "surveys" / "departments.yaml"
CX_COMMENTS = ROOT / "tests" / "data" / "routing_labelled.csv"
JAPANESE_COMMENTS = ROOT / "tests" / "data" / "ja_comments.csv"
ASSISTANT_QUERIES = ROOT / "tests" / "data" / "routing_assistant_queries.csv"
SEMEVAL = ROOT.parent / "shared" / "datasets" / "semeval14-restaurants" / "train.csv"
SHOTS = 10
THEME_SIZE = 5
THEMES_PER_DEPARTMENT = 20
CURVE = [(0.30, 0.05), (0.40, 0.10), (0.50, 0.10), (0.60, 0.15), (0.70, 0.20)]

Router = Callable[[list[str], list[str]], DepartmentRouter]


def main() -> int:
    """Print every set's scores, baselines, ratios and triage curves."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="embedding model name or folder")
    parser.add_argument("--draws", type=int, default=5, help="SemEval random draws")
    parser.add_argument(
        "--catalog-only", action="store_true", help="skip the SemEval few-shot set"
    )
    args = parser.parse_args()
    model = configured_model(args.model)
    catalog = load_catalog(CATALOG)
    print(f"embedding model: {model}")
    print(f"catalog: {len(training_data(catalog)[0])} training phrases\n")

    for title, path in [
        ("CX comments, catalog only", CX_COMMENTS),
        ("Japanese comments, catalog only", JAPANESE_COMMENTS),
        ("Assistant queries, catalog only", ASSISTANT_QUERIES),
    ]:
        texts, truth = _read(path, "text", "department")
        _report(title, catalog, *training_data(catalog), texts, truth, model)
    if args.catalog_only:
        return 0

    rows = [r for r in _rows(SEMEVAL) if ";" not in r["categories"]]
    categories = sorted({row["categories"] for row in rows})
    scores: list[dict[str, tuple[float, float, float]]] = []
    for draw in range(args.draws):
        rng = random.Random(draw)
        chosen: set[int] = set()
        for category in categories:
            members = [i for i, r in enumerate(rows) if r["categories"] == category]
            chosen.update(rng.sample(members, SHOTS))
        train = [rows[i] for i in sorted(chosen)]
        test = [r for i, r in enumerate(rows) if i not in chosen]
        named = Catalog(
            tuple(
                Department(c, c, keywords=tuple(c.split("/")), examples=("-",))
                for c in categories
            )
        )
        scores.append(
            _scores(
                named,
                [r["text"] for r in train],
                [r["categories"] for r in train],
                [r["text"] for r in test],
                [r["categories"] for r in test],
                model,
            )
        )
    title = (
        f"SemEval-2014 restaurants, {SHOTS} examples per category, "
        f"{len(categories)} categories, mean of {args.draws} draws "
        f"({len(rows) - SHOTS * len(categories)} test sentences each)"
    )
    _print_scores(title, {k: _mean([s[k] for s in scores]) for k in scores[0]})
    return 0


def _report(
    title: str,
    catalog: Catalog,
    train_texts: list[str],
    train_labels: list[str],
    texts: list[str],
    truth: list[str],
    model: str,
) -> None:
    """Score all methods on one set, then the semantic router's curve and themes."""
    _print_scores(
        f"{title} ({len(texts)} comments)",
        _scores(catalog, train_texts, train_labels, texts, truth, model),
    )
    router = DepartmentRouter(representation="semantic", model=model)
    router.fit(train_texts, train_labels)
    print("  semantic router, coverage/precision by threshold:")
    header = ("min_confidence", "min_margin", "coverage", "precision")
    print("    " + " ".join(f"{name:>14}" for name in header))
    for min_confidence, min_margin in CURVE:
        router.set_params(min_confidence=min_confidence, min_margin=min_margin)
        coverage, precision = _coverage_precision(router.route(texts), truth)
        values = (min_confidence, min_margin, coverage, precision)
        print("    " + " ".join(f"{value:14.3f}" for value in values))
    router.set_params(
        min_confidence=DEFAULT_MIN_CONFIDENCE, min_margin=DEFAULT_MIN_MARGIN
    )
    accuracy, triaged = _theme_scores(router, texts, truth)
    print(
        f"  themes of {THEME_SIZE} same-department answers: accuracy {accuracy:.3f}, "
        f"triaged {triaged:.0%}\n"
    )


def _scores(
    catalog: Catalog,
    train_texts: list[str],
    train_labels: list[str],
    texts: list[str],
    truth: list[str],
    model: str,
) -> dict[str, tuple[float, float, float]]:
    """Return {method: (accuracy, coverage, precision)} for every method."""
    expected = np.array(truth)
    keywords = keyword_departments(texts, catalog)
    matched = [k is not None for k in keywords]
    scores = {
        "keywords": (
            float(np.mean([k == t for k, t in zip(keywords, truth, strict=True)])),
            float(np.mean(matched)),
            _precision(keywords, truth),
        ),
    }
    plain = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=5000))
    plain.fit(train_texts, train_labels)
    scores["tfidf+LR"] = (float(np.mean(plain.predict(texts) == expected)), 1.0, 0.0)
    for representation in ("tfidf", "semantic"):
        router = DepartmentRouter(representation=representation, model=model)
        router.fit(train_texts, train_labels)
        accuracy = float(np.mean(router.predict(texts) == expected))
        coverage, precision = _coverage_precision(router.route(texts), truth)
        scores[f"router {representation}"] = (accuracy, coverage, precision)
    return scores


def _print_scores(title: str, scores: dict[str, tuple[float, float, float]]) -> None:
    """Print one table: accuracy, coverage, precision and ratios to the baselines."""
    print(title)
    keywords, plain = scores["keywords"][0], scores["tfidf+LR"][0]
    print(
        f"  {'method':16} {'accuracy':>8} {'coverage':>9} {'precision':>9} "
        f"{'/keywords':>9} {'/tfidf+LR':>9}"
    )
    for method, (accuracy, coverage, precision) in scores.items():
        routed = "" if method == "tfidf+LR" else f"{coverage:9.2f} {precision:9.3f}"
        print(
            f"  {method:16} {accuracy:8.3f} {routed:>19} "
            f"{accuracy / keywords if keywords else float('inf'):8.2f}x "
            f"{accuracy / plain:8.2f}x"
        )
    print(
        "  (coverage: share routed without triage, or matched by a keyword; "
        "precision: accuracy of those)\n"
    )


def _coverage_precision(decisions: Sequence, truth: list[str]) -> tuple[float, float]:
    """Share of decisions routed, and the accuracy of the routed ones."""
    routed = [d.department for d in decisions]
    return float(np.mean([d is not None for d in routed])), _precision(routed, truth)


def _precision(routed: Sequence[str | None], truth: list[str]) -> float:
    """Accuracy over the answers that were given a department."""
    pairs = [(r, t) for r, t in zip(routed, truth, strict=True) if r is not None]
    return sum(r == t for r, t in pairs) / len(pairs) if pairs else 0.0


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


def _mean(values: list[tuple[float, ...]]) -> tuple[float, ...]:
    """Element-wise mean of equal-length tuples."""
    return tuple(float(np.mean(column)) for column in zip(*values, strict=True))


def _rows(path: Path) -> list[dict[str, str]]:
    """Read a UTF-8 CSV with a header."""
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def _read(path: Path, text: str, label: str) -> tuple[list[str], list[str]]:
    """Return (texts, labels) of a labelled CSV."""
    rows = _rows(path)
    return [row[text] for row in rows], [row[label] for row in rows]


if __name__ == "__main__":
    sys.exit(main())
