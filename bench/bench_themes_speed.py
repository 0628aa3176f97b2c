"""Benchmark: theme model speed and memory on 100,000 answers.

Run ``python bench/bench_themes_speed.py [N]``. The answers are synthesised from
banking77's real queries (``../shared/datasets/banking77/train.csv``): each is a
query, sometimes with a clause of another query appended, a word dropped, or its case
and punctuation changed, so the vocabulary and the length distribution stay real
while near-duplicates abound, as in survey exports.

Printed: the time of the baseline step, scikit-learn's plain ``TfidfVectorizer`` on
the same answers, then the model end to end (prepare, fit, label, assign every
answer) and its ratio to the baseline, the time to assign 1,000 new answers to the
fitted themes, and the process's peak resident memory. Targets: end to end under
60 s, assignment of 1,000 under 1 s, memory under 2 GB, on a two-core machine.
"""

import csv
import random
import resource
import sys
import time
from pathlib import Path

from sklearn.feature_extraction.text import TfidfVectorizer

from analysis.themes import ThemeModel

ROOT = Path(__file__).resolve().parents[1]
BANKING77 = ROOT.parent / "shared" / "datasets" / "banking77" / "train.csv"
N_ANSWERS = 100_000
N_NEW = 1_000


def synthetic_answers(queries: list[str], n: int, *, seed: int) -> list[str]:
    """``n`` answers recombined and perturbed from real ``queries``."""
    rng = random.Random(seed)
    answers = []
    for _ in range(n):
        words = rng.choice(queries).split()
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


def main() -> int:
    """Print timings, ratios and memory."""
    n = int(sys.argv[1]) if len(sys.argv) > 1 else N_ANSWERS
    with BANKING77.open(encoding="utf-8", newline="") as file:
        queries = [row["text"] for row in csv.DictReader(file)]
    answers = synthetic_answers(queries, n, seed=0)
    new_answers = synthetic_answers(queries, N_NEW, seed=1)
    print(f"{len(answers):,} synthetic answers from {len(queries):,} banking77 queries")

    start = time.perf_counter()
    TfidfVectorizer().fit_transform(answers)
    baseline = time.perf_counter() - start
    print(f"baseline  plain TfidfVectorizer.fit_transform   {baseline:7.2f} s")

    start = time.perf_counter()
    model = ThemeModel(random_state=0).fit(answers)
    fitted = time.perf_counter() - start
    model.predict(answers)
    end_to_end = time.perf_counter() - start
    unclear = (model.labels_ < 0).mean()
    print(
        f"model     fit (prepare, fit, label)            {fitted:7.2f} s   "
        f"{model.n_themes_} themes, {unclear:.1%} unclear"
    )
    print(
        f"model     end to end (+ assign all answers)    {end_to_end:7.2f} s   "
        f"ratio to baseline {end_to_end / baseline:5.1f}x   (target < 60 s)"
    )

    model.predict(new_answers[:10])  # first call pays one-off warm-up costs
    start = time.perf_counter()
    model.predict(new_answers)
    assign = time.perf_counter() - start
    print(
        f"assign    {N_NEW:,} new answers                     {assign:7.3f} s   "
        f"ratio to baseline {assign / baseline:6.3f}x   (target < 1 s)"
    )
    print(
        f"memory    peak resident (whole process)   {peak_memory_mb():9.0f} MB"
        "   (target < 2048 MB)"
    )
    for theme in model.themes_[:5]:
        print(f"  theme {theme.id:3}  {theme.size:6,}  {theme.label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
