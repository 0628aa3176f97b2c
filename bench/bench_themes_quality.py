"""Benchmark: theme quality on real customer language (banking77) against a baseline.

Run ``python bench/bench_themes_quality.py [SEEDS]`` (default ``0,1,2``). banking77's
training set (``../shared/datasets/banking77/train.csv``) has 10,003 real banking
queries labelled with 77 intents; a good theme model should recover them without
being told how many there are.

Compared, for each seed:

* baseline: plain scikit-learn ``TfidfVectorizer()`` + ``KMeans(77)``, told the
  true number of intents;
* model: :class:`analysis.themes.ThemeModel` with ``n_themes="auto"`` (its own
  choice of k), and the same model told k = 77.

Adjusted Rand Index and NMI are computed against the intents on *every* query, with
the model's unclear answers counted as one more cluster (the honest figure), and
beside it on the answers that got a theme. Targets: ARI >= 0.30 and NMI >= 0.60 with
k chosen automatically.
"""

import csv
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from analysis.themes import UNCLEAR, ThemeModel

ROOT = Path(__file__).resolve().parents[1]
BANKING77 = ROOT.parent / "shared" / "datasets" / "banking77" / "train.csv"
N_INTENTS = 77


def scores(truth: list[str], labels: np.ndarray) -> tuple[float, float]:
    """ARI and NMI of ``labels`` against ``truth``."""
    return (
        adjusted_rand_score(truth, labels),
        normalized_mutual_info_score(truth, labels),
    )


def main() -> int:
    """Print each method's ARI and NMI per seed, their means and the ratios."""
    seeds = [int(s) for s in (sys.argv[1] if len(sys.argv) > 1 else "0,1,2").split(",")]
    with BANKING77.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    texts = [row["text"] for row in rows]
    truth = [row["category"] for row in rows]
    print(f"banking77: {len(texts):,} queries, {len(set(truth))} intents")
    print(f"{'method':34} {'seed':>4} {'k':>4} {'ARI':>6} {'NMI':>6}  notes")
    results: dict[str, list[tuple[float, float]]] = {}

    def report(method: str, seed: int, k: int, ari_nmi: tuple, note: str) -> None:
        results.setdefault(method, []).append(ari_nmi)
        ari, nmi = ari_nmi
        print(f"{method:34} {seed:>4} {k:>4} {ari:6.3f} {nmi:6.3f}  {note}")

    for seed in seeds:
        start = time.perf_counter()
        tfidf = TfidfVectorizer().fit_transform(texts)
        labels = KMeans(n_clusters=N_INTENTS, random_state=seed).fit_predict(tfidf)
        elapsed = time.perf_counter() - start
        report(
            "baseline TF-IDF + KMeans(77)",
            seed,
            N_INTENTS,
            scores(truth, labels),
            f"{elapsed:.1f} s",
        )

        for method, n_themes in (("model k=auto", "auto"), ("model k=77", N_INTENTS)):
            start = time.perf_counter()
            model = ThemeModel(n_themes=n_themes, random_state=seed).fit(texts)
            elapsed = time.perf_counter() - start
            themed = model.labels_ != UNCLEAR
            unclear = 1 - themed.mean()
            report(
                method,
                seed,
                model.n_themes_,
                scores(truth, model.labels_),
                f"{elapsed:.1f} s, {unclear:.1%} unclear (counted as a cluster)",
            )
            kept = [t for t, keep in zip(truth, themed, strict=True) if keep]
            report(
                f"{method}, themed answers only",
                seed,
                model.n_themes_,
                scores(kept, model.labels_[themed]),
                "unclear answers left out",
            )

    base_ari, base_nmi = (
        statistics.mean(v)
        for v in zip(*results["baseline TF-IDF + KMeans(77)"], strict=True)
    )
    print(f"\nmeans over seeds {seeds}; ratio = method / baseline")
    for method, values in results.items():
        ari, nmi = (statistics.mean(v) for v in zip(*values, strict=True))
        print(
            f"{method:34}  ARI {ari:.3f} ({ari / base_ari:.2f}x)"
            f"  NMI {nmi:.3f} ({nmi / base_nmi:.2f}x)"
        )
    auto_ari, auto_nmi = (
        statistics.mean(v) for v in zip(*results["model k=auto"], strict=True)
    )
    met = auto_ari >= 0.30 and auto_nmi >= 0.60
    print(
        f"target ARI >= 0.30 and NMI >= 0.60 with k=auto: {'met' if met else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
