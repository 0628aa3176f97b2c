"""Benchmark: theme model speed and memory on 100,000 answers, both representations.

Run ``python bench/bench_themes_speed.py [N] [tfidf|semantic|both]``. The answers
are built from banking77's real queries (``../shared/datasets/banking77/``): each is a
query, sometimes with a clause of another query appended, a word dropped, or its case
and punctuation changed, so the vocabulary and the length distribution stay real
while near-duplicates abound, as in survey exports.

Printed: the time of the baseline step, scikit-learn's plain ``TfidfVectorizer`` on
the same answers, then the model end to end (prepare, fit, label, assign every
answer) and its ratio to the baseline, the time to assign 1,000 new answers to the
fitted themes, and the process's peak resident memory. Targets: end to end under
60 s, assignment of 1,000 under 1 s, memory under 2 GB, on a two-core machine.

``semantic``: the embedding throughput (answers per second, 300 fresh answers, the
model's batch size) and then the model end to end on stored embeddings, as the app
runs it. Embedding 100,000 answers here would take most of an hour, so each
synthetic answer's stored vector is its source query's embedding (cached under
``/tmp/cat-survey-embeddings/``) with a little noise: the clustering, labelling and
assignment costs are those of real vectors of that size.
"""

import csv
import random
import resource
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from analysis.embeddings import load_encoder
from analysis.themes import ThemeModel

ROOT = Path(__file__).resolve().parents[1]
BANKING77 = ROOT.parent / "shared" / "datasets" / "banking77" / "train.csv"
N_ANSWERS = 100_000
N_NEW = 1_000


def synthetic_answers(
    queries: list[str], n: int, *, seed: int, sources: list[int] | None = None
) -> list[str]:
    """``n`` answers recombined and perturbed from real ``queries``.

    ``sources``, when given, receives the index of each answer's main query.
    """
    rng = random.Random(seed)
    answers = []
    for _ in range(n):
        source = rng.randrange(len(queries))
        if sources is not None:
            sources.append(source)
        words = queries[source].split()
        if rng.random() < 0.4:
            other = rng.choice(queries).split()
            words += ["and", *other[len(other) // 2 :]]
        if len(words) > 3 and rng.random() < 0.3:
            del words[rng.randrange(len(words))]
        answer = " ".join(words)
        roll = rng.random()
        if roll < 0.1:
            answer = answer.upper()
        elif roll < 0.3:
            answer = answer.lower().rstrip("?.!") + rng.choice(["!!", "...", " :("])
        answers.append(answer)
    return answers


def peak_memory_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(
    label: str,
    answers: list[str],
    new_answers: list[str],
    baseline: float,
    **fit_options: object,
) -> None:
    """Fit end to end, assign 1,000 new answers, print times and ratios."""
    representation = str(fit_options.pop("representation"))
    model = fit_options.pop("model", None)
    embeddings = fit_options.pop("embeddings", None)
    new_embeddings = fit_options.pop("new_embeddings", None)
    start = time.perf_counter()
    fitted = ThemeModel(representation=representation, model=model, random_state=0)
    fitted.fit(answers, embeddings=embeddings)
    fit_time = time.perf_counter() - start
    fitted.predict(answers, embeddings=embeddings)
    end_to_end = time.perf_counter() - start
    unclear = (fitted.labels_ < 0).mean()
    print(
        f"{label:9} fit (prepare, fit, label)            {fit_time:7.2f} s   "
        f"{fitted.n_themes_} themes, coverage {1 - unclear:.1%}"
    )
    print(
        f"{label:9} end to end (+ assign all answers)    {end_to_end:7.2f} s   "
        f"ratio to baseline {end_to_end / baseline:5.1f}x   (target < 60 s)"
    )
    fitted.predict(new_answers[:10], embeddings=_head(new_embeddings, 10))
    start = time.perf_counter()
    fitted.predict(new_answers, embeddings=new_embeddings)
    assign = time.perf_counter() - start
    print(
        f"{label:9} assign {N_NEW:,} new answers                  {assign:7.3f} s   "
        f"ratio to baseline {assign / baseline:6.3f}x   (target < 1 s)"
    )
    for theme in fitted.themes_[:5]:
        print(f"  theme {theme.id:3}  {theme.size:6,}  {theme.label}")


def _head(rows: np.ndarray | None, n: int) -> np.ndarray | None:
    """The first ``n`` rows, or None."""
    return None if rows is None else rows[:n]


def main() -> int:
    """Print timings, ratios and memory."""
    n = int(sys.argv[1]) if len(sys.argv) > 1 else N_ANSWERS
    which = sys.argv[2] if len(sys.argv) > 2 else "both"
    with BANKING77.open(encoding="utf-8", newline="") as file:
        queries = [row["text"] for row in csv.DictReader(file)]
    sources: list[int] = []
    new_sources: list[int] = []
    answers = synthetic_answers(queries, n, seed=0, sources=sources)
    new_answers = synthetic_answers(queries, N_NEW, seed=1, sources=new_sources)
    print(f"{len(answers):,} synthetic answers from {len(queries):,} banking77 queries")

    start = time.perf_counter()
    TfidfVectorizer().fit_transform(answers)
    baseline = time.perf_counter() - start
    print(f"baseline  plain TfidfVectorizer.fit_transform   {baseline:7.2f} s")
    if which in ("tfidf", "both"):
        run("tfidf", answers, new_answers, baseline, representation="tfidf")
        print(f"memory    peak resident so far      {peak_memory_mb():9.0f} MB")
    if which in ("semantic", "both"):
        from bench_themes_quality import cached_embeddings, model_folder

        model = model_folder()
        encoder = load_encoder(model)
        fresh = [f"{q} (asked again {i})" for i, q in enumerate(queries[:300])]
        start = time.perf_counter()
        encoder.encode(fresh)
        rate = len(fresh) / (time.perf_counter() - start)
        print(f"semantic  embedding throughput   {rate:9.0f} answers/s (2 cores)")
        vectors = cached_embeddings(queries, model)
        rng = np.random.default_rng(0)

        def stored(index: list[int]) -> np.ndarray:
            noise = rng.normal(0, 0.01, (len(index), vectors.shape[1]))
            return normalize(vectors[index] + noise).astype(np.float32)

        run(
            "semantic",
            answers,
            new_answers,
            baseline,
            representation="semantic",
            model=model,
            embeddings=stored(sources),
            new_embeddings=stored(new_sources),
        )
    print(
        f"memory    peak resident (whole process)   {peak_memory_mb():9.0f} MB"
        "   (target < 2048 MB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
